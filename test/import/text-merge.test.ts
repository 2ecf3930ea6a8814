// Adding imported exceptions to a file as text gives exactly what the yaml document model gives, and
// leaves anything not laid out as cvex writes it to the document model.
import { describe, expect, it } from 'vitest';
import { renderManifestFile, mergeIntoExistingFile } from '../../src/import/to-manifests';
import { mergeItemsAsText } from '../../src/import/text-merge';
import type { ExceptionSpec } from '../../src/model/exception';

const spec = (name: string): ExceptionSpec => ({
  name,
  cloudType: 'AWS',
  exceptionScope: 'CONNECTOR',
  explanation: `Why ${name}: it is "fine".\nSecond line.`,
  exceptionReason: 'Risk Accepted',
  startDate: '2026-11-01',
  endDate: '2027-04-30',
  controlIds: [1, 2],
  accountIds: ['123456789012'],
});

const render = (names: string[]) => renderManifestFile('AWS', names.map(spec), '../schemas/exception-manifest.schema.json', new Map(names.map((name) => [name, { uuid: `uuid-${name}`, updatedOn: '2026-11-01T00:00:00.000Z' }])));

describe('mergeItemsAsText', () => {
  it('adds at sorted places, byte for byte what one rendering of all of them writes', () => {
    const merged = mergeItemsAsText(render(['a', 'c', 'e [x]']), render(['b', 'd: colon', 'c']));
    expect(merged).toMatchObject({ added: 2, kept: 3 });
    expect(merged?.text).toBe(render(['a', 'b', 'c', 'd: colon', 'e [x]']));
  });

  it("keeps a person's edits inside an item, and leaves other layouts to the document model", () => {
    const edited = render(['a', 'c']).replace('    exceptionReason: Risk Accepted\n', '    # reviewed by security\n    exceptionReason: Risk Accepted\n');
    expect(mergeItemsAsText(edited, render(['b']))?.text).toContain('    # reviewed by security\n');
    const commentBetween = render(['a', 'c']).replace('  - name: c', '  # the next one\n  - name: c');
    expect(mergeItemsAsText(commentBetween, render(['b']))).toBeUndefined();
    const unindented = render(['a', 'c']).replace(/^ {2}- /gm, '- ').replace(/^ {4}/gm, '  ');
    expect(mergeItemsAsText(unindented, render(['b']))).toBeUndefined();
    expect(mergeItemsAsText('version: 1\nexceptions: []\n', render(['b']))).toBeUndefined();
    // The document model still adds to them.
    for (const text of [commentBetween, unindented]) expect(mergeIntoExistingFile(text, render(['b']))).toMatchObject({ added: 1, kept: 2 });
  });
});
