// Settling creates that may have happened (a reset, a timeout, a 5xx after sending), in batches.
// Each name is looked up once with the `exception.name` filter (one request: found, it is settled).
// The filter's semantics are not documented, so a miss proves nothing: every miss of a round waits
// for ONE listing of the account, shared whatever the number of failures, which settles them all.
// - The creates of an apply are one round: they are sent, then their ambiguous ones settled together.
// - Replaces settle as they go (their exemption is lifted meanwhile): a miss waits, no new replace
//   starts (none lifts another exemption while creates may be failing), and the listing starts as
//   soon as every replace still running waits for it too.
// A listing that started before a create failed cannot tell whether it happened, so a miss only
// ever waits for a listing that starts after it.
import type { RemoteException } from '../api/types';
import type { ExceptionSpec } from '../model/exception';
import { lookUpByName } from './by-name';
import { API_CONCURRENCY, mapWithConcurrency } from './concurrency';
import { fingerprintSpec } from './fingerprint';
import { readMarker } from './marker';
import { listRemoteExceptions } from './remote';
import type { CreateOutcome, ExecuteApi, MarkerStamp } from './writes';
import { messageOf } from './writes';

/** What one listing said: every exception by name, or why it proves nothing. */
type Listing = { byName: Map<string, RemoteException> } | { error: string };

interface Waiter {
  spec: ExceptionSpec;
  why: string;
  resolve(outcome: CreateOutcome): void;
}

export class CreateSettler {
  /** Listings made to settle misses (tests and reports count them). */
  listings = 0;
  private waiting: Waiter[] = [];
  private active = 0;
  private listing?: Promise<void>;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly api: ExecuteApi,
    private readonly stamp: MarkerStamp,
    private readonly concurrency = API_CONCURRENCY,
  ) {}

  /** A round of ambiguous creates: each looked up by name, then one listing for all the misses. */
  async settleAll(creates: ReadonlyArray<{ spec: ExceptionSpec; why: string }>): Promise<CreateOutcome[]> {
    const looked = await mapWithConcurrency(creates, this.concurrency, (create) => this.lookUp(create.spec, create.why));
    const misses = creates.filter((_create, index) => looked[index] === undefined);
    if (misses.length === 0) return looked as CreateOutcome[];
    const listing = await this.list();
    let next = 0;
    return looked.map((outcome) => outcome ?? this.outcomeFrom(misses[next].spec, misses[next++].why, listing));
  }

  /** A replace starts (begin) and ends (end): a shared listing waits for every running replace to need it or end. */
  begin(): void {
    this.active += 1;
  }

  end(): void {
    this.active -= 1;
    this.maybeList();
  }

  /** Resolves when no miss waits for a listing: replaces start only then. */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && !this.listing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** One replace's ambiguous create: the filter, else the next shared listing. */
  async settle(spec: ExceptionSpec, why: string): Promise<CreateOutcome> {
    const found = await this.lookUp(spec, why);
    if (found) return found;
    return new Promise((resolve) => {
      this.waiting.push({ spec, why, resolve });
      this.maybeList();
    });
  }

  private maybeList(): void {
    if (this.listing || this.waiting.length === 0 || this.waiting.length < this.active) return;
    const batch = this.waiting.splice(0);
    this.listing = this.list()
      .then((listing) => {
        for (const waiter of batch) waiter.resolve(this.outcomeFrom(waiter.spec, waiter.why, listing));
      })
      .finally(() => {
        this.listing = undefined;
        this.maybeList();
        if (this.waiting.length === 0 && !this.listing) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  /** One request: the outcome when the filter finds the name, undefined on a miss (or when it cannot be used). */
  private async lookUp(spec: ExceptionSpec, why: string): Promise<CreateOutcome | undefined> {
    try {
      const { found } = await lookUpByName(this.api, spec.name);
      return found ? this.judge(found, spec, why) : undefined;
    } catch {
      // The listing may still settle it.
      return undefined;
    }
  }

  private async list(): Promise<Listing> {
    this.listings += 1;
    try {
      // A listing that moved proves nothing absent: the exception may have slid past the pages read.
      const listing = await listRemoteExceptions(this.api);
      if (!listing.consistent) return { error: `the exceptions list changed while it was read (${listing.problem})` };
      return { byName: new Map(listing.items.map((item) => [item.name, item])) };
    } catch (error) {
      return { error: messageOf(error) };
    }
  }

  private outcomeFrom(spec: ExceptionSpec, why: string, listing: Listing): CreateOutcome {
    if ('error' in listing) return { kind: 'unsettled', error: `${why}; could not check whether it was created (${listing.error})` };
    const found = listing.byName.get(spec.name);
    return found ? this.judge(found, spec, why) : { kind: 'absent', error: `${why}; checked: it was not created` };
  }

  /** The exception found by name is the one this run made (our owner, this spec), or another one holds the name. */
  private judge(found: RemoteException, spec: ExceptionSpec, why: string): CreateOutcome {
    const { marker } = readMarker(found.explanation);
    if (marker?.version === 2 && marker.owner === this.stamp.owner && marker.fingerprint === fingerprintSpec(spec)) return { kind: 'created', uuid: found.uuid, verified: true };
    return { kind: 'taken', error: `${why}; an exception named ${JSON.stringify(spec.name)} exists (${found.uuid}) but is not the one this plan creates` };
  }
}
