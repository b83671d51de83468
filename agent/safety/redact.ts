/**
 * Keeps secrets out of logs, traces and error messages. Two sources: literal values the run knows are
 * secret (API keys from the environment, passwords the task hands the agent) and patterns that look
 * like credentials wherever they appear. A literal secret is also redacted in pieces: any run of
 * FRAGMENT or more of its characters, so a secret typed in two writes (or two steps) leaves neither half.
 */
const SECRET_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI-style keys
  /\bhf_[A-Za-z0-9]{16,}/g, // Hugging Face tokens
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]{12,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /((?:password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
];

const SECRET_ENV_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD)$/i;
export const REDACTED = '[REDACTED]';
/** Shortest piece of a literal secret redacted on its own: long enough not to hit ordinary words often. */
export const FRAGMENT = 8;

export class Redactor {
  private readonly literals = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Secret values held in environment variables named like *_KEY, *_TOKEN, *_SECRET, *_PASSWORD. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): Redactor {
    const values = Object.entries(env)
      .filter(([name, value]) => SECRET_ENV_NAME.test(name) && value !== undefined)
      .map(([, value]) => value as string);
    return new Redactor(values);
  }

  /** Short values would redact ordinary words, so only values of 6+ characters are kept. */
  add(secret: string): void {
    if (secret.length >= 6) this.literals.add(secret);
  }

  redact(text: string): string {
    let out = this.redactPieces(text);
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.literals].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(REDACTED);
    }
    for (const pattern of SECRET_PATTERNS) {
      out = out.replace(pattern, (match: string, prefix?: string) =>
        typeof prefix === 'string' && match.startsWith(prefix) && prefix !== match ? `${prefix}${REDACTED}` : REDACTED,
      );
    }
    return out;
  }

  /** Replaces every stretch of text made of FRAGMENT-character pieces of a literal secret. */
  private redactPieces(text: string): string {
    const covered = new Uint8Array(text.length);
    let any = false;
    for (const secret of this.literals) {
      if (secret.length < FRAGMENT) continue;
      const pieces = new Set<string>();
      for (let i = 0; i + FRAGMENT <= secret.length; i++) pieces.add(secret.slice(i, i + FRAGMENT));
      for (let j = 0; j + FRAGMENT <= text.length; j++) {
        if (pieces.has(text.slice(j, j + FRAGMENT))) {
          covered.fill(1, j, j + FRAGMENT);
          any = true;
        }
      }
    }
    if (!any) return text;
    return text.replace(/[\s\S]/gu, (c, at: number) => (covered[at] ? (at > 0 && covered[at - 1] ? '' : REDACTED) : c));
  }

  /** Redacts every string inside a JSON-like value (for trace records). */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactDeep(v)])) as T;
    }
    return value;
  }
}
