// The simulator's mutable state: exceptions (by uuid in creation order, a name index for O(1) uniqueness,
// sorted views cached until the next change) and the tags applyTags put on evaluations.
// Optional persistence to a JSON file, written atomically (temp file + rename) after every change.
import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { endOfLocalDay, startOfLocalDay } from '../model/dates';
import type { ExceptionSpec } from '../model/exception';
import { SimulatorValidationError } from './validate';
import { decodeText, FileReadError, readBoundedSync } from '../files/read-bounded';

export interface StoredException {
  uuid: string;
  /** Creation order; breaks ties in every sort. */
  seq: number;
  spec: ExceptionSpec;
  /** Local midnight of startDate in the subscription's time zone, stamped at create / edit. */
  startsAtMs: number;
  /** Local 23:59:59 of endDate. */
  endsAtMs: number;
  createdOnMs: number;
  updatedOnMs: number;
  createdBy: string;
  updatedBy: string;
}

export type ExceptionState = 'INACTIVE' | 'ACTIVE' | 'EXPIRED';

export const SORT_KEYS = ['endingDate:asc', 'endingDate:desc', 'updatedOn:asc', 'updatedOn:desc'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

interface StateFile {
  version: 1;
  exceptions: StoredException[];
  /** Evaluation uuid → tag names added by applyTags. */
  evaluationTags: Record<string, string[]>;
}

export function stateOf(record: StoredException, nowMs: number): ExceptionState {
  if (nowMs < record.startsAtMs) return 'INACTIVE';
  if (nowMs > record.endsAtMs) return 'EXPIRED';
  return 'ACTIVE';
}

export class SimulatorStore {
  private readonly byUuid = new Map<string, StoredException>();
  private readonly uuidByName = new Map<string, string>();
  private readonly sortedViews = new Map<SortKey | 'createdOn', StoredException[]>();
  /** Filtered views by caller key (filter + sort), dropped on every change. */
  private readonly filteredViews = new Map<string, readonly StoredException[]>();
  readonly evaluationTags = new Map<string, Set<string>>();
  private nextSeq = 1;
  /** Bumped on every change; caches key on it. */
  version = 0;

  constructor(
    readonly timezone: string,
    private readonly stateFile?: string,
  ) {
    if (stateFile) this.load(stateFile);
  }

  get size(): number {
    return this.byUuid.size;
  }

  get(uuid: string): StoredException | undefined {
    return this.byUuid.get(uuid);
  }

  hasName(name: string): boolean {
    return this.uuidByName.has(name);
  }

  /** Adds already-validated specs; all or nothing on duplicate names. Persists once. */
  create(specs: readonly ExceptionSpec[], nowMs: number, by: string): StoredException[] {
    const names = new Set<string>();
    for (const spec of specs) {
      if (this.uuidByName.has(spec.name) || names.has(spec.name)) {
        throw new SimulatorValidationError('DUPLICATE_NAME', `an exception named ${JSON.stringify(spec.name)} already exists`);
      }
      names.add(spec.name);
    }
    const created = specs.map((spec) => {
      const record: StoredException = {
        uuid: randomUUID(),
        seq: this.nextSeq++,
        spec,
        ...this.stamp(spec),
        createdOnMs: nowMs,
        updatedOnMs: nowMs,
        createdBy: by,
        updatedBy: by,
      };
      this.byUuid.set(record.uuid, record);
      this.uuidByName.set(spec.name, record.uuid);
      return record;
    });
    this.changed();
    return created;
  }

  /** Deletes all or nothing: returns the uuids that do not exist (then nothing was deleted). */
  delete(uuids: readonly string[]): string[] {
    const missing = uuids.filter((uuid) => !this.byUuid.has(uuid));
    if (missing.length > 0) return missing;
    for (const uuid of uuids) {
      const record = this.byUuid.get(uuid);
      if (!record) continue;
      this.byUuid.delete(uuid);
      this.uuidByName.delete(record.spec.name);
    }
    this.changed();
    return [];
  }

  /** Replaces a record's spec in place (same uuid); updatedOn moves forward by at least a second. */
  update(uuid: string, spec: ExceptionSpec, nowMs: number, by: string): StoredException {
    const record = this.byUuid.get(uuid);
    if (!record) throw new Error(`no exception ${uuid}`);
    record.spec = spec;
    Object.assign(record, this.stamp(spec));
    // Timestamps print to the second: a fixed clock must still show the edit.
    record.updatedOnMs = Math.max(nowMs, Math.floor(record.updatedOnMs / 1000) * 1000 + 1000);
    record.updatedBy = by;
    this.changed();
    return record;
  }

  tagEvaluations(evaluationUuids: readonly string[], tagNames: readonly string[]): void {
    for (const uuid of evaluationUuids) {
      let tags = this.evaluationTags.get(uuid);
      if (!tags) this.evaluationTags.set(uuid, (tags = new Set()));
      for (const tag of tagNames) tags.add(tag);
    }
    this.changed();
  }

  /** Every exception in creation order. */
  all(): IterableIterator<StoredException> {
    return this.byUuid.values();
  }

  /** A sorted view, cached until the next change (paging 10,000 exceptions must not re-sort per page). */
  sorted(sort: SortKey | undefined): readonly StoredException[] {
    const key = sort ?? 'createdOn';
    let view = this.sortedViews.get(key);
    if (!view) {
      view = [...this.byUuid.values()];
      if (sort) {
        const field = sort.startsWith('endingDate') ? 'endsAtMs' : 'updatedOnMs';
        const direction = sort.endsWith(':desc') ? -1 : 1;
        view.sort((a, b) => (a[field] - b[field]) * direction || (a.seq - b.seq) * direction);
      }
      this.sortedViews.set(key, view);
    }
    return view;
  }

  /** A derived view cached until the next change; `key` must capture everything `compute` depends on. */
  cachedView(key: string, compute: () => readonly StoredException[]): readonly StoredException[] {
    let view = this.filteredViews.get(key);
    if (!view) {
      if (this.filteredViews.size >= 32) this.filteredViews.clear();
      view = compute();
      this.filteredViews.set(key, view);
    }
    return view;
  }

  private stamp(spec: ExceptionSpec): { startsAtMs: number; endsAtMs: number } {
    return { startsAtMs: this.instantOf(spec.startDate, 'start'), endsAtMs: this.instantOf(spec.endDate, 'end') };
  }

  /** Time-zone maths is Intl-heavy; bulk seeding reuses a handful of dates. */
  private readonly instants = new Map<string, number>();
  private instantOf(date: string, edge: 'start' | 'end'): number {
    const key = `${edge}:${date}`;
    let instant = this.instants.get(key);
    if (instant === undefined) {
      instant = (edge === 'start' ? startOfLocalDay(date, this.timezone) : endOfLocalDay(date, this.timezone)).getTime();
      this.instants.set(key, instant);
    }
    return instant;
  }

  private changed(): void {
    this.version += 1;
    this.sortedViews.clear();
    this.filteredViews.clear();
    if (this.stateFile) this.persist(this.stateFile);
  }

  private persist(file: string): void {
    const state: StateFile = {
      version: 1,
      exceptions: [...this.byUuid.values()],
      evaluationTags: Object.fromEntries([...this.evaluationTags].map(([uuid, tags]) => [uuid, [...tags]])),
    };
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(state)}\n`);
    renameSync(temp, file);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = decodeText(readBoundedSync(file, 'simulator'), 'a simulator state');
    } catch (error) {
      if (error instanceof FileReadError && error.reason === 'missing') return;
      throw new Error(`state file ${file}: ${(error as Error).message}`);
    }
    let state: StateFile;
    try {
      state = JSON.parse(text) as StateFile;
    } catch (error) {
      throw new Error(`state file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (state?.version !== 1 || !Array.isArray(state.exceptions)) throw new Error(`state file ${file} is not a simulator state (version 1)`);
    for (const record of state.exceptions) {
      this.byUuid.set(record.uuid, record);
      this.uuidByName.set(record.spec.name, record.uuid);
      this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
    }
    for (const [uuid, tags] of Object.entries(state.evaluationTags ?? {})) this.evaluationTags.set(uuid, new Set(tags));
  }
}
