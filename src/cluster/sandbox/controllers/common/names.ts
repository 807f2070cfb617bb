import { canonicalJson } from "../../../../util/index.js";

/**
 * The alphabet Kubernetes uses for generated name suffixes and hashes (`k8s.io/apimachinery/pkg/util/rand`):
 * no vowels and no easily confused characters, so generated names never spell words.
 */
export const KUBE_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `length` random characters from {@link KUBE_NAME_ALPHABET}, drawn from the seeded source. */
export function randomSuffix(random: () => number, length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++)
    out += KUBE_NAME_ALPHABET[Math.floor(random() * KUBE_NAME_ALPHABET.length) % KUBE_NAME_ALPHABET.length] ?? "b";
  return out;
}

/** 32-bit FNV-1a of a string (the hash `controller.ComputeHash` uses). */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * `rand.SafeEncodeString(fmt.Sprint(fnv32a(x)))`, as `controller.ComputeHash` builds a
 * pod-template-hash: the decimal digits of the hash mapped onto {@link KUBE_NAME_ALPHABET}. The
 * decimal is zero-padded to 10 digits so every hash has the same length.
 */
export function safeEncodedHash(value: unknown): string {
  const digits = String(fnv32a(canonicalJson(value))).padStart(10, "0");
  let out = "";
  for (const digit of digits) out += KUBE_NAME_ALPHABET[digit.charCodeAt(0) % KUBE_NAME_ALPHABET.length] ?? "b";
  return out;
}

/** A stable fake pod IP in 10.244.0.0/16 derived from the pod's name. */
export function fakePodIp(name: string): string {
  const hash = fnv32a(name);
  return `10.244.${(hash >>> 8) & 0xff}.${Math.max(2, hash & 0xff)}`;
}
