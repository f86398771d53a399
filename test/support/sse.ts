/**
 * Reading a Server-Sent Events stream inside workerd: frames parsed as they arrive.
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export class SseReader {
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private buffer = "";
  private decoder = new TextDecoder();
  readonly events: SseEvent[] = [];
  /** Comment lines seen (heartbeats). */
  comments = 0;
  done = false;

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
  }

  /** Reads until `until` holds for the events so far (or the stream ends); returns the events. */
  async readUntil(until: (events: SseEvent[]) => boolean, timeoutMs = 30_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!until(this.events) && !this.done) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events so far: ${this.events.map((e) => `${e.event}:${e.data?.jobType ?? ""}:${e.data?.status ?? ""}`).join(", ")}`);
      const chunk = await Promise.race([this.reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
      if (chunk === null) continue;
      if (chunk.done) {
        this.done = true;
        break;
      }
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = this.buffer.indexOf("\n\n")) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event: Partial<SseEvent> & { event?: string } = {};
        let data = "";
        let isComment = true;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          isComment = false;
          const [field, ...rest] = line.split(":");
          const value = rest.join(":").replace(/^ /, "");
          if (field === "id") event.id = value;
          else if (field === "event") event.event = value;
          else if (field === "data") data += value;
        }
        if (isComment) this.comments++;
        else if (event.event) this.events.push({ id: event.id, event: event.event, data: data ? JSON.parse(data) : null });
      }
    }
    return this.events;
  }

  async close() {
    await this.reader.cancel().catch(() => {});
  }
}
