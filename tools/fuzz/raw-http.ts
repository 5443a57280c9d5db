import http from 'node:http';

/**
 * An HTTP/1.1 client that sends exactly what it is given: the request target byte for byte (`..`,
 * `%2F`, `%2e%2e` and raw non-UTF-8 bytes stay as they are, where `fetch` would normalise them), any
 * header set (or none: no content-type), and the body as bytes (invalid UTF-8, duplicate JSON keys).
 */

export interface RawRequest {
  method: string;
  /**
   * The request target: path and query, already encoded as it should go on the wire. Characters
   * U+0080–U+00FF go out as single (Latin-1) bytes: a path that is not UTF-8.
   */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Source address (another 127.x address keeps a per-IP rate limit off the main client). */
  localAddress?: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class RawHttpClient {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 60_000,
  ) {}

  private agentFor(localAddress = '') {
    let agent = this.agents.get(localAddress);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: 4, ...(localAddress ? { localAddress } : {}) });
      this.agents.set(localAddress, agent);
    }
    return agent;
  }

  send(request: RawRequest): Promise<RawResponse> {
    const url = new URL(this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.target,
          agent: this.agentFor(request.localAddress),
          headers: {
            ...request.headers,
            ...(request.body !== undefined ? { 'content-length': String(request.body.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(request.body);
    });
  }

  /** A JSON call with a bearer token (setup and bookkeeping, not fuzzing). */
  async json(
    method: string,
    target: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
    const response = await this.send({
      method,
      target,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)),
    });
    const text = response.body.toString('utf8');
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
