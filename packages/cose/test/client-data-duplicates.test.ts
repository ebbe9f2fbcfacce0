/**
 * clientDataJSON duplicate members (issue #13 §1; WebAuthn L3 §5.8.1): JSON.parse keeps the
 * last of two "challenge" members, another reader the first. Refused at any depth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClientDataJSON, utf8Encode } from '../src/index.js';
import { thrown } from './helpers.js';

const CHALLENGE = 'Y2hhbGxlbmdlLW9mLXN1ZmZpY2llbnQtbGVuZ3RoIQ';
const base = `"type":"webauthn.get","challenge":"${CHALLENGE}","origin":"https://example.com"`;
const parse = (s: string) => parseClientDataJSON(utf8Encode(s));
type Coded = Error & { code?: string; details?: Record<string, unknown> };

describe('parseClientDataJSON: one member per name', () => {
  it('accepts a Chrome-shaped clientDataJSON (control)', () => {
    const cd = parse(
      `{${base},"crossOrigin":false,"other_keys_can_be_added_here":"do not compare clientDataJSON against a template. See https://goo.gl/yabPex"}`,
    );
    expect(cd.challenge).toBe(CHALLENGE);
  });
  const dups: [string, string][] = [
    ['two "challenge" members (the issue\'s case)', `{${base},"challenge":"attacker"}`],
    ['"challenge" given first, then again', `{"challenge":"attacker",${base}}`],
    ['a name spelled with an escaped', `{${base},"ch\\u0061llenge":"attacker"}`],
    ['an escaped solidus in a name', `{${base},"a\\/b":1,"a/b":2}`],
    ['"origin" twice', `{${base},"origin":"https://evil.example"}`],
    ['"crossOrigin" twice', `{${base},"crossOrigin":false,"crossOrigin":true}`],
    ['a duplicate inside tokenBinding', `{${base},"tokenBinding":{"status":"present","status":"supported"}}`],
    ['a duplicate three levels down', `{${base},"x":{"y":[{"z":1,"z":2}]}}`],
    ['"__proto__" twice', `{${base},"__proto__":1,"__proto__":2}`],
    [
      'a duplicate under 100,000 nested arrays',
      `{${base},"a":${'['.repeat(100_000)}{"k":1,"k":2}${']'.repeat(100_000)}}`,
    ],
    ['a member name followed by whitespace before the colon', `{${base},"k" :1,"k"\n:2}`],
  ];
  for (const [name, json] of dups) {
    it(`refuses ${name} with ERR_CLIENT_DATA_DUPLICATE_MEMBER`, () => {
      const e = thrown(() => parse(json)) as Coded;
      expect(e.code).toBe('ERR_CLIENT_DATA_DUPLICATE_MEMBER');
      expect(e.name).toBe('ClientDataDuplicateMemberError');
      expect(typeof e.details?.member).toBe('string');
    });
  }
  it('keeps names that differ only in case or by a space', () => {
    expect(() => parse(`{${base},"Challenge":1,"challenge ":2}`)).not.toThrow();
  });
  it('deep nesting without duplicates is accepted (proved free of them by counting)', () => {
    expect(parse(`{${base},"a":${'['.repeat(100_000)}{"k":1}${']'.repeat(100_000)}}`).challenge).toBe(
      CHALLENGE,
    );
  });
  it('strings holding colons, quotes and backslashes do not confuse the member count', () => {
    // JSON text: "a:b":"c:\\\":d" (value c:\":d) and "h":"i\\" (value i\)
    const cd = parse(String.raw`{${base},"a:b":"c:\\\":d","e":["f:g",{"h":"i\\"}]}`);
    expect(cd.json['a:b']).toBe(String.raw`c:\":d`);
    expect(thrown(() => parse(String.raw`{${base},"x":"a:b","x":"c:\"d"}`)).code).toBe(
      'ERR_CLIENT_DATA_DUPLICATE_MEMBER',
    );
  });
  it('the same name in sibling objects is not a duplicate', () => {
    expect(() => parse(`{${base},"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}`)).not.toThrow();
  });
  const malformedJson: [string, string][] = [
    ['a comment', `{${base}/* c */}`],
    ['a trailing comma', `{${base},}`],
    ['a byte-order mark', `\ufeff{${base}}`],
    ['single quotes', `{${base},'a':1}`],
  ];
  for (const [name, json] of malformedJson) {
    it(`refuses ${name} with ERR_CLIENT_DATA_MALFORMED`, () => {
      expect(thrown(() => parse(json)).code).toBe('ERR_CLIENT_DATA_MALFORMED');
    });
  }
});

// ----------------------------------------------------------------------------- property tests

const jsonLeaf = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Serialises `v`, putting `dupName` twice into the object reached by following `path`. */
function withDuplicate(v: unknown, path: number[], dupName: string, escaped: boolean): string | undefined {
  let injected = false;
  const ser = (x: unknown, depth: number): string => {
    if (Array.isArray(x)) return `[${x.map((e) => ser(e, depth + 1)).join(',')}]`;
    if (x !== null && typeof x === 'object') {
      const members = Object.entries(x).map(([k, e]) => `${JSON.stringify(k)}:${ser(e, depth + 1)}`);
      if (!injected && (depth >= path.length || members.length === 0 || (path[depth] as number) % 3 === 0)) {
        injected = true;
        const second = escaped
          ? `"${[...dupName].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`
          : JSON.stringify(dupName);
        const at = (path[depth] ?? 0) % (members.length + 1);
        members.splice(at, 0, `${JSON.stringify(dupName)}:1`);
        members.push(`${second}:2`);
      }
      return `{${members.join(',')}}`;
    }
    return JSON.stringify(x);
  };
  const out = ser(v, 0);
  return injected ? out : undefined;
}

describe('property: duplicate members at random depths', () => {
  it('are refused with ERR_CLIENT_DATA_DUPLICATE_MEMBER', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.oneof(fc.constantFrom('challenge', 'origin', 'type', 'status'), fc.string({ maxLength: 5 })),
        fc.boolean(),
        (extra, path, name, escaped) => {
          const doc = { type: 'webauthn.get', challenge: CHALLENGE, origin: 'https://example.com', x: extra };
          const json = withDuplicate(doc, [1, ...path], name, escaped);
          if (json === undefined) return;
          expect(JSON.parse(json)).toBeTypeOf('object'); // valid JSON: JSON.parse alone would accept it
          const e = thrown(() => parse(json)) as Coded;
          expect(e.code).toBe('ERR_CLIENT_DATA_DUPLICATE_MEMBER');
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('without duplicates, the parse equals JSON.parse', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 4 }), (extra) => {
        const doc = { type: 'webauthn.get', challenge: CHALLENGE, origin: 'https://example.com', x: extra };
        const json = JSON.stringify(doc);
        expect(parse(json).json).toEqual(JSON.parse(json));
      }),
      { numRuns: 500 },
    );
  });
});
