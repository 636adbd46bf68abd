// Collects a large JSON text. Pieces are appended to a short string that is
// made flat every 16 KB and kept in a list, joined once at the end. Building
// a 50 MB body by plain concatenation leaves millions of rope nodes alive for
// the whole render, which the young-generation collector copies and promotes
// and which must be flattened again at the end; building bytes in Buffers
// instead allocates tens of MB of external memory per render, which makes V8
// run a full collection every render or two (measured in benchmarks/master.ts).

const FLUSH_AT = 16 * 1024;

export class JsonSink {
  private pending = '';
  private readonly parts: string[] = [];

  add(text: string): void {
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // Converting to a number makes V8 flatten the rope in place.
    Number(this.pending);
    this.parts.push(this.pending);
    this.pending = '';
  }

  /** The whole text, as one flat string. */
  finish(): string {
    this.flush();
    const text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
    this.parts.length = 0;
    this.parts.push(text);
    return text;
  }

  toString(): string {
    return this.finish();
  }
}
