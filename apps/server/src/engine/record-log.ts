// The fields of a log line about records: which flow and node, how many, and their correlation and
// record ids (the first few). Never record data: it may hold personal details.

/** Ids listed per line; the count says how many there were in all. */
const IDS_PER_LINE = 20;

export interface RecordRef {
  id?: string;
  recordId?: string;
  correlationId: string;
}

export function recordLogFields(flowId: string, nodeId: string, records: readonly RecordRef[]) {
  const correlationIds = [...new Set(records.map((r) => r.correlationId))];
  return {
    flowId,
    nodeId,
    records: records.length,
    correlationIds: correlationIds.slice(0, IDS_PER_LINE),
    recordIds: records.slice(0, IDS_PER_LINE).map((r) => r.id ?? r.recordId),
  };
}
