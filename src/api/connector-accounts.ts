// An exception detail may name its connectors as `{uuid, name}` only. Their account ids come from the
// connectors listing: one listing per cloud, read once per client and shared by every detail after it.
import { CLOUD_TYPES, type CloudType } from '../model/exception';
import { shapeError, type ConnectorRef } from './wire';
import type { Connector } from './types';

export class ConnectorAccounts {
  private readonly byCloud = new Map<CloudType, Promise<Map<string, string>>>();

  constructor(private readonly listConnectors: (cloudType: CloudType) => AsyncIterable<Connector>) {}

  /** Connector uuid → account id for one cloud (connectors that carry no account id are left out). */
  private accountsOf(cloudType: CloudType): Promise<Map<string, string>> {
    let pending = this.byCloud.get(cloudType);
    if (!pending) {
      pending = (async () => {
        const accounts = new Map<string, string>();
        for await (const connector of this.listConnectors(cloudType)) if (connector.accountId !== '') accounts.set(connector.connectorId, connector.accountId);
        return accounts;
      })();
      // A failed listing is not cached: the next detail may try again.
      pending.catch(() => this.byCloud.delete(cloudType));
      this.byCloud.set(cloudType, pending);
    }
    return pending;
  }

  /**
   * The account ids of `refs`, in order. The detail's cloud is searched; when the detail names none,
   * each cloud in turn until every ref is found. A connector no listing knows is a shape error: an
   * exception whose accounts cannot be told must not be compared or imported as if it had none.
   */
  async resolve(exceptionName: string, refs: readonly ConnectorRef[], cloudType: CloudType | undefined): Promise<string[]> {
    const found = new Map<string, string>();
    for (const cloud of cloudType ? [cloudType] : CLOUD_TYPES) {
      const accounts = await this.accountsOf(cloud);
      for (const ref of refs) {
        const account = accounts.get(ref.uuid);
        if (account !== undefined) found.set(ref.uuid, account);
      }
      if (found.size === new Set(refs.map((ref) => ref.uuid)).size) break;
    }
    return refs.map((ref) => {
      const account = found.get(ref.uuid);
      if (account === undefined) {
        throw shapeError(
          'exceptions.get',
          `exception ${JSON.stringify(exceptionName)} names connector ${ref.uuid}${ref.name ? ` (${JSON.stringify(ref.name)})` : ''} without its account id, and no ${cloudType ?? ''}${cloudType ? ' ' : ''}connectors listing gives one`,
        );
      }
      return account;
    });
  }
}
