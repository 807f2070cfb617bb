/**
 * A seeded pseudo-random source (sfc32 over a string hash): the sandbox derives uids and
 * `generateName` suffixes from it so the same commands give the same objects (STYLE §1.5).
 */
export type RandomSource = () => number;

function hashString(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = h2 ^ Math.imul(h1 ^ code, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ code, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ code, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ code, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/** A deterministic random source in [0, 1) for `seed`. */
export function seededRandom(seed: string): RandomSource {
  let [a, b, c, d] = hashString(seed);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** The alphabet of Kubernetes' `utilrand.String` (no vowels, no confusable characters). */
export const NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** A `generateName` suffix: 5 characters of {@link NAME_SUFFIX_ALPHABET}. */
export function randomNameSuffix(random: RandomSource, length = 5): string {
  let suffix = "";
  for (let index = 0; index < length; index++)
    suffix += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)] ?? "x";
  return suffix;
}

/** A version-4-shaped UUID drawn from `random`. */
export function randomUuid(random: RandomSource): string {
  const hex: string[] = [];
  for (let index = 0; index < 32; index++) hex.push(Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = (Math.floor(random() * 4) + 8).toString(16);
  const joined = hex.join("");
  return `${joined.slice(0, 8)}-${joined.slice(8, 12)}-${joined.slice(12, 16)}-${joined.slice(16, 20)}-${joined.slice(20)}`;
}
