import type { SummaryGroupItem, SummaryInfo } from '@identity-store/contracts';

/** The credential groups of summaryInfo a projection keeps. */
export type SummaryGroupName = 'totps' | 'passcodes' | 'passkeys' | 'appkeys' | 'biometrics';

/** summaryInfo with one group's items replaced (the count follows). */
export const withGroup = (
  summary: SummaryInfo,
  group: SummaryGroupName,
  items: SummaryGroupItem[],
): SummaryInfo => ({
  ...summary,
  [group]: { count: items.length, items },
});

/** summaryInfo with the item `id` of a group changed (unchanged when the group has none). */
export const updateItem = (
  summary: SummaryInfo,
  group: SummaryGroupName,
  id: string,
  change: (item: SummaryGroupItem) => SummaryGroupItem,
): SummaryInfo =>
  withGroup(
    summary,
    group,
    summary[group].items.map((item) => (item.id === id ? change(item) : item)),
  );

/** summaryInfo with an item added to a group, replacing one with the same id. */
export const putItem = (summary: SummaryInfo, group: SummaryGroupName, item: SummaryGroupItem): SummaryInfo =>
  withGroup(summary, group, [...summary[group].items.filter((existing) => existing.id !== item.id), item]);

/** summaryInfo without the item `id` of a group. */
export const removeItem = (summary: SummaryInfo, group: SummaryGroupName, id: string): SummaryInfo =>
  withGroup(
    summary,
    group,
    summary[group].items.filter((item) => item.id !== id),
  );
