// The index stores timestamps as UTC text (`YYYY-MM-DD HH:MM:SS.mmm`, see store/db.ts);
// auth compares them as milliseconds since the epoch.
import { nowTimestamp } from '../store/db.js';

export function timestampAt(ms: number): string {
  return nowTimestamp(new Date(ms));
}

export function epochMs(timestamp: string): number {
  return Date.parse(`${timestamp.replace(' ', 'T')}Z`);
}
