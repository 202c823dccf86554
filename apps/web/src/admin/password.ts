// A new password's checks (from the API's own schema, so the two cannot drift) and a generator
// for admins who hand out first passwords.
import { CreateUserBodySchema } from '@sluice/shared';

const PasswordSchema = CreateUserBodySchema.shape.password;

/** Null when the server will take the password; else what to fix. */
export function checkPassword(password: string): string | null {
  const result = PasswordSchema.safeParse(password);
  return result.success ? null : (result.error.issues[0]?.message ?? 'this password is not accepted');
}

// No look-alikes (0/O, 1/l/I), so a password read out over the phone survives.
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password of `length` characters (default 20, about 117 bits), from the browser's CSPRNG. */
export function generatePassword(length = 20): string {
  const out: string[] = [];
  const bytes = new Uint8Array(64);
  // Reject bytes above the largest multiple of the alphabet size, so every character is equally likely.
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      if (b < limit && out.length < length) out.push(ALPHABET[b % ALPHABET.length]!);
    }
  }
  return out.join('');
}
