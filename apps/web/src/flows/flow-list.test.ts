import { describe, expect, it } from 'vitest';
import { filterFlows, flowStatusBadge, formatErrorRate, formatRate } from './flow-list';

describe('flowStatusBadge', () => {
  it('says the status in words, with the running version', () => {
    expect(flowStatusBadge({ status: 'draft', deployedVersion: null, latestVersion: null })).toMatchObject({ label: 'Draft', tone: 'neutral' });
    expect(flowStatusBadge({ status: 'deployed', deployedVersion: 3, latestVersion: 3 })).toMatchObject({ label: 'Deployed v3', tone: 'ok' });
    expect(flowStatusBadge({ status: 'stopped', deployedVersion: null, latestVersion: 3 })).toMatchObject({ label: 'Stopped', tone: 'warn', detail: expect.stringContaining('version 3') });
  });
});

describe('figures', () => {
  it('formats records per second', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.04)).toBe('<0.1');
    expect(formatRate(3.456)).toBe('3.5');
    expect(formatRate(12_345.6)).toBe('12,346');
  });

  it('formats the error rate, with a tone that grows with it', () => {
    expect(formatErrorRate(null)).toEqual({ text: '—', tone: 'neutral' });
    expect(formatErrorRate(0)).toEqual({ text: '0%', tone: 'neutral' });
    expect(formatErrorRate(0.0035)).toEqual({ text: '0.35%', tone: 'warn' });
    expect(formatErrorRate(0.25)).toEqual({ text: '25.0%', tone: 'error' });
  });
});

describe('filterFlows', () => {
  const flows = [
    { name: 'Orders', description: 'to the warehouse' },
    { name: 'Invoices', description: null },
  ];
  it('matches name and description, ignoring case', () => {
    expect(filterFlows(flows, '').map((f) => f.name)).toEqual(['Orders', 'Invoices']);
    expect(filterFlows(flows, 'WARE').map((f) => f.name)).toEqual(['Orders']);
    expect(filterFlows(flows, 'inv').map((f) => f.name)).toEqual(['Invoices']);
  });
});
