import { describe, expect, it } from 'vitest';
import { formatMeasure, meetsTarget, windowTitle } from './quality-view';

const targets = { completeness: 0.99, accuracy: 0.995, freshnessSeconds: 300, consistency: 0.999 };

describe('quality view', () => {
  it('compares each measure with its target in the right direction', () => {
    expect(meetsTarget('completeness', 0.99, targets)).toBe(true);
    expect(meetsTarget('accuracy', 0.994, targets)).toBe(false);
    expect(meetsTarget('freshness', 301, targets)).toBe(false);
    expect(meetsTarget('freshness', 12, targets)).toBe(true);
    expect(meetsTarget('consistency', null, targets)).toBeNull();
  });

  it('formats shares with enough digits to tell targets apart, and ages in their unit', () => {
    expect(formatMeasure('accuracy', 0.9955)).toBe('99.55%');
    expect(formatMeasure('completeness', 0.95)).toBe('95.0%');
    expect(formatMeasure('consistency', 1)).toBe('100%');
    expect(formatMeasure('freshness', 75)).toBe('1.3 min');
    expect(formatMeasure('freshness', null)).toBe('—');
    expect(windowTitle(300)).toBe('5 min');
    expect(windowTitle(86_400)).toBe('24 h');
  });
});
