// Bodies of the /debug/api_priority_and_fairness/dump_* endpoints, in upstream's tab-aligned comma-separated format.
import type { PriorityLevelDump, RequestDump } from './apf.js';

/** The endpoint paths, as upstream registers them (unlisted, GET). */
export const DUMP_PRIORITY_LEVELS_PATH = '/debug/api_priority_and_fairness/dump_priority_levels';
export const DUMP_QUEUES_PATH = '/debug/api_priority_and_fairness/dump_queues';
export const DUMP_REQUESTS_PATH = '/debug/api_priority_and_fairness/dump_requests';
/** The query parameter of dump_requests that adds user and request columns (any non-empty value). */
export const INCLUDE_REQUEST_DETAILS_PARAM = 'includeRequestDetails';
/** Response headers of the dumps. */
export const DEBUG_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/plain; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
};

const textWidth = (s: string) => [...s].length;

/**
 * Aligns tab-terminated cells like Go's text/tabwriter with minwidth 8, tabwidth 0, padding 1, pad char ' ' and
 * no flags (what upstream's dumps use): each column block (consecutive lines having that cell) is as wide as its
 * widest cell plus the padding, at least `minwidth`; the last cell of a line is not aligned.
 */
export function tabwrite(text: string, minwidth = 8, padding = 1): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      out.push(line.map((c, j) => (j < widths.length ? c + ' '.repeat(Math.max(0, widths[j]! - textWidth(c))) : c)).join(''));
    }
  };
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t]!.length - 1) continue;
      writeLines(line0, t);
      line0 = t;
      let width = minwidth;
      for (; t < line1; t++) {
        const line = lines[t]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, textWidth(line[column]!) + padding);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}

const row = (...cols: string[]) => cols.join(',\t');

/** Go's SeatSeconds.String(): fixed point with 8 decimals and the unit `ss`. */
export function seatSecondsString(ss: number): string {
  const units = Math.max(0, Math.round(ss * 1e8));
  const quo = Math.floor(units / 1e8);
  const rem = units - quo * 1e8;
  return `${quo}.${String(rem).padStart(8, '0')}ss`;
}

/** Go's time.Format(time.RFC3339Nano) in UTC: no trailing zeros in the fraction; undefined is Go's zero time. */
export function rfc3339Nano(ms: number | undefined): string {
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const [base, frac = ''] = iso.slice(0, -1).split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `${base}${trimmed ? `.${trimmed}` : ''}Z`;
}

/** Go's time.Duration.String() for whole milliseconds. */
function durationString(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  return `${ms / 1000}s`;
}

/** dump_priority_levels: one row per priority level, sorted by name. */
export function dumpPriorityLevels(levels: readonly PriorityLevelDump[]): string {
  let text =
    row('PriorityLevelName', 'ActiveQueues', 'IsIdle', 'IsQuiescing', 'WaitingRequests', 'ExecutingRequests', 'DispatchedRequests', 'RejectedRequests', 'TimedoutRequests', 'CancelledRequests') +
    '\n';
  for (const l of [...levels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const active = l.queues.filter((q) => q.waiting.length > 0).length;
    text += row(l.name, String(active), String(l.isIdle), String(l.isQuiescing), String(l.waiting), String(l.executing), String(l.dispatched), String(l.rejected), String(l.timedout), String(l.cancelled)) + '\n';
  }
  return tabwrite(text);
}

/** dump_queues: one row per queue of every queuing priority level. */
export function dumpQueues(levels: readonly PriorityLevelDump[]): string {
  let text = row('PriorityLevelName', 'Index', 'PendingRequests', 'ExecutingRequests', 'SeatsInUse', 'NextDispatchR', 'InitialSeatsSum', 'MaxSeatsSum', 'TotalWorkSum') + '\n';
  for (const l of levels) {
    l.queues.forEach((q, i) => {
      text +=
        row(
          l.name,
          String(i),
          String(q.waiting.length),
          String(q.executing.length),
          String(q.seatsInUse),
          seatSecondsString(q.nextDispatchR),
          String(q.initialSeatsSum),
          String(q.maxSeatsSum),
          seatSecondsString(q.totalWorkSum),
        ) + '\n';
    });
  }
  return tabwrite(text);
}

/**
 * dump_requests: one row per waiting request (queue index, position in queue) and per executing request (position
 * -1; queue -1 when it did not go through a queue). With `includeRequestDetails` adds user and request columns.
 */
export function dumpRequests(levels: readonly PriorityLevelDump[], includeRequestDetails = false): string {
  let text = row('PriorityLevelName', 'FlowSchemaName', 'QueueIndex', 'RequestIndexInQueue', 'FlowDistingsher', 'ArriveTime', 'InitialSeats', 'FinalSeats', 'AdditionalLatency', 'StartTime');
  if (includeRequestDetails) text += ',\t' + row('UserName', 'Verb', 'APIPath', 'Namespace', 'Name', 'APIVersion', 'Resource', 'SubResource');
  text += '\n';
  const line = (pl: string, iq: number, ir: number, r: RequestDump) => {
    text += row(
      pl,
      r.flowSchema,
      String(iq),
      String(ir),
      r.flowDistinguisher,
      rfc3339Nano(r.arriveTime),
      String(r.initialSeats),
      String(r.finalSeats),
      durationString(r.additionalLatencyMs),
      rfc3339Nano(r.startTime),
    );
    if (includeRequestDetails) {
      const d = r.digest;
      const version = d.apiVersion ?? '';
      const gv = d.apiGroup ? `${d.apiGroup}/${version}` : version;
      text += ',\t' + row(d.user.name, d.verb, d.path, d.namespace, d.name, gv, d.resource, d.subresource);
    }
    text += '\n';
  };
  for (const l of levels) {
    l.queues.forEach((q, iq) => {
      q.waiting.forEach((r, ir) => line(l.name, iq, ir, r));
      for (const r of q.executing) line(l.name, iq, -1, r);
    });
    for (const r of l.queuelessExecuting) line(l.name, -1, -1, r);
  }
  return tabwrite(text);
}
