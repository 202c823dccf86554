import { useEffect, useState } from 'react';

/**
 * `value`, once it has stopped changing for `delayMs` (default 300 ms): what typing in a search box
 * should send to the server.
 *
 * @example
 * const [text, setText] = useState('');
 * const q = useDebouncedValue(text, 300);
 * const deadLetters = useDeadLetters({ ...filters, q });
 */
export function useDebouncedValue<T>(value: T, delayMs = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
