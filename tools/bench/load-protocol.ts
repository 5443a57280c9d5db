/** What bench.ts and its load generator (load.ts) exchange: the scenario file and the READY line. */
import type { SrpGroupBits, SrpHashName } from '@identity-store/srp';

/** Printed by the load generator once its own setup is done; its result (JSON) follows. */
export const READY = 'READY\n';

export type Scenario = { token: string } & (
  | { kind: 'requests'; requests: Array<{ method: 'GET' | 'POST'; path: string; body?: string }> }
  | {
      kind: 'passcode';
      storeName: string;
      policyName: string;
      srpGroup: SrpGroupBits;
      hash: SrpHashName;
      /** srpPassword: P' = the passcode stretched with the policy's KDF and the salt (computed once per user at setup). */
      users: Array<{ id: string; srpPassword: string }>;
    }
  | {
      kind: 'passkey';
      storeName: string;
      rpId: string;
      origin: string;
      policyName: string;
      users: Array<{ id: string }>;
    }
  | {
      kind: 'appkey';
      storeName: string;
      rpId: string;
      /** The UAF facet the load generator's client reports (one of the configuration's facets). */
      facetId: string;
      policyName: string;
      users: Array<{ id: string }>;
    }
);
