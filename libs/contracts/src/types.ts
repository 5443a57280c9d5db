/** Omit on each member of a union (commands without their `now`, for example). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
