/** A zod `safeParse` result, as the helpers below read it. */
interface ParseResult {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}

/** `path: message` of every issue, sorted, for comparing whole answers of a schema. */
export const issuesOf = (result: ParseResult): string[] =>
  (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`).sort();

/** The distinct paths of the issues (`a.b.0`; the root is ''), sorted. */
export const issuePathsOf = (result: ParseResult): string[] =>
  [...new Set((result.error?.issues ?? []).map((issue) => issue.path.join('.')))].sort();
