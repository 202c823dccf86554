import { useEffect, useState } from 'react';
import { formatAbsoluteTime, formatRelativeTime } from './relative-time';

/** "3 min ago", re-rendered every 30 s, with the exact time in the title and the datetime attribute. */
export function RelativeTime({ iso, className }: { iso: string; className?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <time dateTime={iso} title={formatAbsoluteTime(iso)} className={className}>
      {formatRelativeTime(iso, now)}
    </time>
  );
}
