// Prometheus text exposition (format 0.0.4) for the embedding service: counters, one gauge, histograms.
// Hand-written: the format is a few lines of text and a client library would be the service's only dependency.

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const TOKEN_BUCKETS = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
  }
}

const labelText = (labels: Record<string, string>): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export class Metrics {
  private requests = new Map<string, number>();
  private latency = new Map<string, Histogram>();
  tokens = 0;
  sequences = 0;
  forwards = 0;
  private batchSize = new Histogram(SIZE_BUCKETS);
  private batchTokens = new Histogram(TOKEN_BUCKETS);
  private queueWait = new Histogram(LATENCY_BUCKETS);
  private forwardTime = new Histogram(LATENCY_BUCKETS);

  constructor(private readonly queueDepth: () => number) {}

  request(route: string, status: number, seconds: number): void {
    const key = JSON.stringify([route, String(status)]);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram(LATENCY_BUCKETS)));
    h.observe(seconds);
  }

  batch(sequences: number, tokens: number, forwards: number, seconds: number, waits: number[]): void {
    this.sequences += sequences;
    this.tokens += tokens;
    this.forwards += forwards;
    this.batchSize.observe(sequences);
    this.batchTokens.observe(tokens);
    this.forwardTime.observe(seconds);
    for (const w of waits) this.queueWait.observe(w);
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    const head = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const hist = (name: string, h: Histogram, labels: Record<string, string> = {}) => {
      h.buckets.forEach((b, i) => out.push(`${name}_bucket${labelText({ ...labels, le: String(b) })} ${h.counts[i]}`));
      out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${h.count}`);
      out.push(`${name}_sum${labelText(labels)} ${h.sum}`, `${name}_count${labelText(labels)} ${h.count}`);
    };
    head('wasmbert_requests_total', 'counter', 'HTTP requests answered, by route and status');
    for (const [key, n] of this.requests) {
      const [route, status] = JSON.parse(key) as [string, string];
      out.push(`wasmbert_requests_total${labelText({ route, status })} ${n}`);
    }
    head('wasmbert_request_duration_seconds', 'histogram', 'time from request to response, by route');
    for (const [route, h] of this.latency) hist('wasmbert_request_duration_seconds', h, { route });
    head('wasmbert_tokens_total', 'counter', 'tokens embedded ([CLS] and [SEP] included)');
    out.push(`wasmbert_tokens_total ${this.tokens}`);
    head('wasmbert_sequences_total', 'counter', 'sequences embedded');
    out.push(`wasmbert_sequences_total ${this.sequences}`);
    head('wasmbert_forwards_total', 'counter', 'model forwards run');
    out.push(`wasmbert_forwards_total ${this.forwards}`);
    head('wasmbert_queue_depth', 'gauge', 'requests waiting for a forward');
    out.push(`wasmbert_queue_depth ${this.queueDepth()}`);
    head('wasmbert_batch_size', 'histogram', 'sequences per batch');
    hist('wasmbert_batch_size', this.batchSize);
    head('wasmbert_batch_tokens', 'histogram', 'tokens per batch');
    hist('wasmbert_batch_tokens', this.batchTokens);
    head('wasmbert_queue_wait_seconds', 'histogram', 'time a request waited before its batch started');
    hist('wasmbert_queue_wait_seconds', this.queueWait);
    head('wasmbert_batch_duration_seconds', 'histogram', 'time one batch took (its forwards and pooling)');
    hist('wasmbert_batch_duration_seconds', this.forwardTime);
    return `${out.join('\n')}\n`;
  }
}
