/**
 * A thread's complexity runs from 1 (introductory) to 5 (advanced); from ADVANCED_LEVEL on the
 * thread counts as advanced, and it never goes back (a thread's level only rises).
 */
export const ADVANCED_LEVEL = 3;

export type ThreadStatus = "foundational" | "advanced";

export function threadStatus(complexityLevel: number): ThreadStatus {
  return complexityLevel >= ADVANCED_LEVEL ? "advanced" : "foundational";
}
