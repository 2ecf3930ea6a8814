// The pure parts of a large import: where an exception goes, how entries are added to a list a
// person may have edited (the same bytes whether added at once or run by run), what a budget costs.
import { describe, expect, it } from 'vitest';
import { describeImportCost, estimateImport, minimumBudget, requestsLeft } from '../../src/import/budget';
import { fileChooser, importedFileName, isImportedFile, levelForCount, levelsOnDisk } from '../../src/import/layout';
import { insertIntoSortedTail } from '../../src/import/sorted-tail';

describe('layout', () => {
  it('one file per cloud up to 1,000 exceptions, 16 per cloud up to 16,000, 256 beyond; a stable key per name', () => {
    expect([levelForCount(0), levelForCount(1_000), levelForCount(1_001), levelForCount(16_000), levelForCount(16_001)]).toEqual([0, 0, 1, 1, 2]);
    expect(importedFileName('AWS', 'x', 0)).toBe('imported-aws.yaml');
    // sha256("x") = 2d711642…
    expect(importedFileName('GCP', 'x', 1)).toBe('imported-gcp-2.yaml');
    expect(importedFileName('AZURE', 'x', 2)).toBe('imported-azure-2d.yaml');
    expect(['imported-aws.yaml', 'imported-aws-0.yaml', 'imported-gcp-ff.yaml', 'aws.yaml', 'imported-aws-0g.yaml'].map(isImportedFile)).toEqual([true, true, true, false, false]);
  });

  it('splits deeper where files on disk already do, and never shallower', () => {
    expect(levelsOnDisk(['imported-aws.yaml', 'imported-aws-3.yaml', 'imported-gcp.yaml', 'notes.md'])).toEqual(new Map([['AWS', 1], ['GCP', 0]]));
    const choose = fileChooser(10, ['imported-aws-3.yaml']);
    expect(choose('AWS', 'x')).toBe('imported-aws-2.yaml');
    expect(choose('GCP', 'x')).toBe('imported-gcp.yaml');
    expect(fileChooser(20_000, ['imported-aws.yaml'])('AWS', 'x')).toBe('imported-aws-2d.yaml');
  });
});

describe('insertIntoSortedTail', () => {
  const key = (text: string) => text;
  it('adds at sorted places in the sorted tail, keeping what a person put before it', () => {
    expect(insertIntoSortedTail(['team-*', 'a', 'c'], ['b', 'd'], key)).toEqual(['team-*', 'a', 'b', 'c', 'd']);
    expect(insertIntoSortedTail(['z-glob'], ['b', 'a'], key)).toEqual(['a', 'b', 'z-glob']);
    expect(insertIntoSortedTail(['c', 'a'], ['b'], key)).toEqual(['c', 'a', 'b']);
    expect(insertIntoSortedTail([], ['b', 'a'], key)).toEqual(['a', 'b']);
  });

  it('gives the same list whether the entries come at once or in runs, in any split', () => {
    const starts = [[], ['q', 'b'], ['c', 'a'], ['team-*', 'm']];
    const added = ['k', 'a0', 'zz', 'b5', 'm1', 'c'];
    for (const start of starts) {
      const once = insertIntoSortedTail(start, added, key);
      for (let split = 0; split <= added.length; split += 1) {
        const inRuns = insertIntoSortedTail(insertIntoSortedTail(start, added.slice(0, split), key), added.slice(split), key);
        expect(inRuns, `${JSON.stringify(start)} split at ${split}`).toEqual(once);
      }
    }
  });
});

describe('the cost of an import', () => {
  it('a run lists the account and reads what its budget leaves; every run lists again', () => {
    expect(minimumBudget(100)).toBe(101);
    expect(estimateImport({ listPages: 100, toRead: 10_000 })).toEqual({ thisRun: 10_000, runs: 1, total: 10_100 });
    // 700 details a run after the 100 list requests: 15 runs.
    expect(estimateImport({ listPages: 100, toRead: 10_000, maxRequests: 800 })).toEqual({ thisRun: 700, runs: 15, total: 11_500 });
    expect(requestsLeft({ listPages: 100, toRead: 10_000, maxRequests: 800 }, 700)).toBe(14 * 100 + 9_300);
    expect(requestsLeft({ listPages: 100, toRead: 10, maxRequests: 800 }, 10)).toBe(0);
    expect(describeImportCost({ listPages: 100, toRead: 10_000, maxRequests: 800 })).toBe(
      '10000 exceptions to read, one detail request each, after 100 list requests per run: at --max-requests 800, this run reads 700; 15 runs and about 11500 requests in all',
    );
  });
});
