/**
 * fast-check generators for identifier values as a warehouse can hand them over: any well-formed Unicode text
 * (U+0000 included: DuckDB VARCHAR holds it), but no lone surrogates, which valid UTF-8 cannot carry. They are
 * weighted towards what the rules care about: JS whitespace and look-alikes at the edges and inside, hex strings
 * around the 32/40/64 lengths, UUID shapes, and emails with Greek sigmas, dotted capital I, Kelvin sign and the
 * letters DuckDB's lower() gets wrong.
 */
import fc from 'fast-check';

/** Every code point JS `\s` and `String.prototype.trim` treat as whitespace. */
export const JS_WHITESPACE = [
  '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005',
  '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff',
];

// Whitespace in some other definition (Python, RE2, Unicode White_Space, old Unicode) but not in JS's.
const NOT_JS_WHITESPACE = ['\u0085', '\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\u001c', '\u001f', '\u0000'];

// Characters with case subtleties: sigmas, Turkish I, compatibility letters that lowercase to ASCII or Latin-1,
// titlecase digraphs, cased-and-case-ignorable marks, case-ignorable punctuation, and the Unicode 16 letters DuckDB
// lower() leaves alone (U+1C89, U+A7CB, U+A7DC, U+10D50, U+16EA0...).
const CASE_TRICKY = [
  'Σ', 'σ', 'ς', 'Α', 'Ο', 'Δ', 'ΐ', 'İ', 'ı', 'I', 'i', 'K', '\u212a', '\u212b', '\u2126', 'Å', 'ẞ', 'ß', 'ǅ', 'Ꭺ', 'ꭰ', 'ᲈ',
  "'", '.', ':', '^', '`', '\u00ad', '\u00b7', '\u2019', '\u0307', '\u0345', 'ʰ', 'ᵃ', '\u200d', '\ufe13',
  '\u1c89', '\ua7cb', '\ua7cc', '\ua7dc', '\u{10d50}', '\u{10d65}', '\u{16ea0}', '\u{16eb8}',
  '𐐀', '𐐨', '𝐀', '😀', '\ufffd', '\u{10ffff}', '\ue000', '@', '-', '_', '+',
];

const HEX_DIGITS = '0123456789abcdefABCDEF'.split('');

function codePointIn(min: number, max: number): fc.Arbitrary<string> {
  return fc
    .integer({ min, max })
    .filter((cp) => cp < 0xd800 || cp > 0xdfff)
    .map((cp) => String.fromCodePoint(cp));
}

/** One code point, mixing the full range, the dense alphabetic BMP, ASCII and the tricky ones. */
export const anyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: codePointIn(0, 0x10ffff) },
  { weight: 3, arbitrary: codePointIn(0x80, 0x2fff) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.constantFrom(...CASE_TRICKY) },
  { weight: 1, arbitrary: fc.constantFrom(...JS_WHITESPACE, ...NOT_JS_WHITESPACE) },
);

const whitespaceRun = fc.string({ unit: fc.constantFrom(...JS_WHITESPACE, ...NOT_JS_WHITESPACE), maxLength: 3 });
const edge = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...JS_WHITESPACE), minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: whitespaceRun },
);

/** Surrounds a value with runs of whitespace (mostly JS's, sometimes look-alikes), often empty. */
export function padded(core: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(edge, core, edge).map(([a, b, c]) => a + b + c);
}

/** Hex strings of 31 to 65 digits in mixed case, sometimes with one foreign character. */
export const hexLike: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom(32, 40, 64), fc.integer({ min: 31, max: 65 })).chain((n) =>
      fc.string({ unit: fc.constantFrom(...HEX_DIGITS), minLength: n, maxLength: n }),
    ),
    fc.option(fc.tuple(fc.nat(), anyChar), { freq: 4 }),
  )
  .map(([hex, foreign]) => {
    if (foreign === null) return hex;
    const at = foreign[0] % hex.length;
    return hex.slice(0, at) + foreign[1] + hex.slice(at + 1);
  });

const hexGroup = (n: number) => fc.string({ unit: fc.constantFrom(...HEX_DIGITS), minLength: n, maxLength: n });

/** Valid UUIDs in mixed case, the zero UUID, and broken ones (a character swapped, lengths off by one). */
export const uuidLike: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(hexGroup(8), hexGroup(4), hexGroup(4), hexGroup(4), hexGroup(12)).map((g) => g.join('-')),
  fc.constant('00000000-0000-0000-0000-000000000000'),
  fc
    .tuple(hexGroup(8), hexGroup(4), hexGroup(4), hexGroup(4), hexGroup(12), fc.nat(35), anyChar)
    .map(([a, b, c, d, e, at, ch]) => {
      const u = [a, b, c, d, e].join('-');
      return u.slice(0, at) + ch + u.slice(at + 1);
    }),
  fc
    .tuple(fc.integer({ min: 7, max: 9 }), fc.integer({ min: 3, max: 5 }), fc.integer({ min: 11, max: 13 }))
    .chain(([a, b, e]) => fc.tuple(hexGroup(a), hexGroup(b), hexGroup(4), hexGroup(4), hexGroup(e)))
    .map((g) => g.join('-')),
  fc.constant('00000000-0000-0000-0000-00000000000K'),
);

const emailChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcXYZ019.-_+'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom(...CASE_TRICKY) },
  { weight: 2, arbitrary: anyChar },
);
const emailPart = (max: number) => fc.string({ unit: emailChar, minLength: 0, maxLength: max });

/** Email-shaped strings, including ones right at the 254 UTF-16 unit limit built from 1-, 2- and expanding units. */
export const emailLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(emailPart(12), emailPart(12), emailPart(5)).map(([l, d, t]) => `${l}@${d}.${t}`) },
  {
    weight: 1,
    // 'İ' grows when lowercased, 'É' is 2 UTF-8 bytes per unit, '😀' is 2 units and 4 bytes.
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'É', 'İ', '😀', 'Σ', 'ß'), fc.integer({ min: 230, max: 262 }))
      .map(([unit, max]) => {
        const domain = '@example.com';
        let local = '';
        while (local.length + unit.length + domain.length <= max) local += unit;
        return local + domain;
      }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 240, max: 258 }).map((n) => `${'a'.repeat(n - 6)}@b.com`),
  },
);

/** Short strings over a sigma-heavy alphabet, to exercise the Final_Sigma context in every arrangement. */
export const sigmaSoup: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom('Σ', 'σ', 'ς', 'Α', 'a', 'İ', '.', "'", '\u0307', '\u0345', 'ʰ', '\u00ad', ' ', '1', '𐐀', '@', '\u1c89'),
  maxLength: 10,
});

/** Any identifier-ish value: null or a (padded) string from one of the families above. */
export const identifierValue: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: padded(fc.string({ unit: anyChar, maxLength: 24 })) },
  { weight: 3, arbitrary: padded(hexLike) },
  { weight: 3, arbitrary: padded(uuidLike) },
  { weight: 5, arbitrary: padded(emailLike) },
  { weight: 2, arbitrary: padded(fc.tuple(sigmaSoup, sigmaSoup).map(([a, b]) => `${a}@${b}.co${b}`)) },
  { weight: 1, arbitrary: whitespaceRun },
);
