// Passwords are kept only as argon2id hashes (salted, memory-hard). A login for an
// account that does not exist still pays for one verification, against a dummy hash,
// so the time of an answer does not tell whether the account exists.
import argon2 from 'argon2';

const HASH_OPTIONS = { type: argon2.argon2id } as const;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/** The hash unknown accounts are checked against, made once per process. */
export function prepareDummyHash(): Promise<string> {
  dummyHash ??= hashPassword('no account has this password');
  return dummyHash;
}

/**
 * Whether `password` matches `hash`. With no hash (unknown account, or an account that
 * has no password) the answer is always false, after the same amount of work.
 */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  if (!hash) {
    await argon2.verify(await prepareDummyHash(), password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    // A malformed stored hash never matches; it must not turn into a 500 either.
    return false;
  }
}

/** Rules for a new password: long enough to resist guessing at our throttled rate. */
export const MIN_PASSWORD_LENGTH = 8;

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'the password must have at most 1024 characters';
  return null;
}
