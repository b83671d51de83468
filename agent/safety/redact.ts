/**
 * Keeps secrets out of logs, traces and error messages. Two sources: literal values the run knows are
 * secret (API keys from the environment, passwords the task hands the agent) and patterns that look
 * like credentials wherever they appear.
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
    let out = text;
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
