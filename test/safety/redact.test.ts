import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../agent/safety/redact.ts';

describe('Redactor', () => {
  it('removes literal secrets and secrets from the environment', () => {
    const r = Redactor.fromEnvironment({ OPENAI_API_KEY: 'not-a-pattern-value-123', HOME: '/root', DB_PASSWORD: 'hunter22' });
    r.add('correct horse battery');
    const text = 'key not-a-pattern-value-123, pw hunter22, phrase correct horse battery, home /root';
    expect(r.redact(text)).toBe(`key ${REDACTED}, pw ${REDACTED}, phrase ${REDACTED}, home /root`);
  });

  it('removes credential-looking strings and keeps their labels', () => {
    const r = new Redactor();
    expect(r.redact('Authorization: Bearer abcdefghijklmnop.qrstu')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r.redact('token hf_abcdefghijklmnopqrstuvwxyz')).toBe(`token ${REDACTED}`);
    expect(r.redact('password=swordfish!')).toBe(`password=${REDACTED}`);
    expect(r.redact('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toBe(REDACTED);
    expect(r.redact('nothing secret here')).toBe('nothing secret here');
  });

  it('redacts inside nested trace records', () => {
    const r = new Redactor(['s3cr3t-value']);
    const record = { raw: "pyautogui.write('s3cr3t-value')", actions: [{ model: { kind: 'type', text: 's3cr3t-value' } }], step: 3 };
    expect(r.redactDeep(record)).toEqual({ raw: `pyautogui.write('${REDACTED}')`, actions: [{ model: { kind: 'type', text: REDACTED } }], step: 3 });
  });

  it('redacts pieces of 8 or more characters of a literal secret, as typed in two writes', () => {
    const r = new Redactor(['Zq4Vt2Lm9Xc4Rb8N']);
    expect(r.redact("write('Zq4Vt2Lm'); write('9Xc4Rb8N')")).toBe(`write('${REDACTED}'); write('${REDACTED}')`);
    expect(r.redact('Zq4Vt2L and Zq4Vt2Lm9Xc4Rb8N!')).toBe(`Zq4Vt2L and ${REDACTED}!`);
  });

  it('ignores values too short to be secrets', () => {
    expect(new Redactor(['abc']).redact('abc abc')).toBe('abc abc');
  });
});
