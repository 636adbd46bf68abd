// Public surface of the proto layer: generated Mesos 1.0 message types and codecs,
// lookup by full type name, the Mesos JSON mapping and RecordIO framing.
//
//   import { mesos } from '../proto/index.js';
//   const bytes = mesos.internal.RegisterSlaveMessage.encode(msg).finish();

export { appc, docker, mesos } from './gen/mesos.js';
export {
  encodeMessage,
  has,
  messageNameOf,
  messageTypeByName,
  messageTypeNames,
  type MessageCodec,
  type MessageOf,
  type Reader,
  type Writer,
} from './registry.js';
export {
  formatDouble,
  fromJSON,
  fromJSONText,
  missingRequiredFields,
  ProtobufJsonError,
  quoteJSONString,
  RawJson,
  stringifyJSON,
  toJSON,
  toJSONString,
  type FromJsonOptions,
  type JsonFieldOrder,
  type JsonInput,
  type JsonObject,
  type JsonValue,
  type ToJsonOptions,
  type TypeArg,
} from './json.js';
export {
  DEFAULT_MAX_RECORD_SIZE,
  encodeRecord,
  readRecords,
  RecordIODecoder,
  RecordIOError,
  type RecordIODecoderOptions,
  type RecordIOErrorKind,
} from './recordio.js';
