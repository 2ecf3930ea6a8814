import { describe, expect, it } from 'vitest';
import { selectDetailSample } from '../../src/reconcile/sample';

const candidates = Array.from({ length: 100 }, (_, i) => ({ uuid: `uuid-${i}`, createdBy: 'apply-user' }));

describe('drift sample', () => {
  it('is bounded, stable within a UTC day, and rotates across days until every exception was read', () => {
    const monday = selectDetailSample(candidates, 20, new Date('2026-06-01T00:30:00Z'));
    expect(monday).toHaveLength(20);
    expect(selectDetailSample(candidates, 20, new Date('2026-06-01T23:30:00Z'))).toEqual(monday);
    expect(selectDetailSample(candidates, 20, new Date('2026-06-02T00:30:00Z'))).not.toEqual(monday);
    const seen = new Set<string>();
    for (let day = 1; day <= 30; day += 1) for (const uuid of selectDetailSample(candidates, 20, new Date(Date.UTC(2026, 5, day)))) seen.add(uuid);
    expect(seen.size).toBeGreaterThan(95);
    expect(selectDetailSample(candidates, 0, new Date())).toEqual([]);
    expect(selectDetailSample(candidates.slice(0, 3), 20, new Date())).toHaveLength(3);
  });

  it('puts exceptions made by another account than the one that made most first', () => {
    const odd = [...candidates, { uuid: 'copied-in-the-ui', createdBy: 'jane.doe' }];
    expect(selectDetailSample(odd, 1, new Date('2026-06-01T00:00:00Z'))).toEqual(['copied-in-the-ui']);
  });
});
