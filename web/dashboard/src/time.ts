import { useEffect, useState } from "preact/hooks";

/** `3s`, `2m 5s`, `1h 4m`, `3d 2h`: how long, the way kubectl prints ages. */
export function formatSpan(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** The server's time now, from the time it sent with a view and how long ago that arrived. */
export function serverNow(now: string, receivedAt: number, tick: number): number {
  return Date.parse(now) + Math.max(0, tick - receivedAt);
}

/** `Date.now()`, updated every `intervalMs` (ages and countdowns move without new data). */
export function useTick(intervalMs = 1000): number {
  const [tick, setTick] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setTick(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return tick;
}

/** How long ago `time` was, at server time `now` (ms). */
export function ago(time: string | undefined, now: number): string {
  if (time === undefined) return "";
  const then = Date.parse(time);
  return Number.isFinite(then) ? formatSpan(now - then) : "";
}

/** A timestamp for a tooltip, in the reader's locale. */
export function exactTime(time: string | undefined): string {
  if (time === undefined) return "";
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? time : date.toLocaleString();
}
