import { z } from 'zod';
import type { RetryPolicy } from './define.js';

export const RetryPolicySchema = z
  .object({
    strategy: z.enum(['exponential', 'linear', 'fixed']).default('exponential').describe('How the delay grows between attempts. Default exponential.'),
    maxAttempts: z.number().int().min(1).max(100).default(5).describe('Attempts in all, the first included, before a record is dead-lettered. Default 5.'),
    baseDelayMs: z.number().int().min(0).max(3_600_000).default(1000).describe('Delay before the first retry, in ms. Default 1000.'),
    maxDelayMs: z.number().int().min(0).max(86_400_000).default(60_000).describe('Longest delay between attempts, in ms. Default 60000.'),
  })
  .describe('When and how often a transient failure is tried again.');

/** Delay before attempt number `attempt + 1` (attempt counts the tries made so far, from 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const n = Math.max(1, attempt);
  let delay: number;
  switch (policy.strategy) {
    case 'exponential':
      delay = policy.baseDelayMs * 2 ** (n - 1);
      break;
    case 'linear':
      delay = policy.baseDelayMs * n;
      break;
    case 'fixed':
      delay = policy.baseDelayMs;
      break;
  }
  delay = Math.min(delay, policy.maxDelayMs);
  // A server that says when to come back is believed, even beyond our own cap.
  if (retryAfterMs !== undefined) delay = Math.max(delay, retryAfterMs);
  return delay;
}
