import { z } from 'zod';
import { DEFAULT_GROUPING, type GroupingConfig } from './delivery/grouping';
import { groupingSchema, type GroupingInput } from './delivery/grouping-schema';
import { matchesAll, matcherSchema, type Matcher } from './matchers';
import { nameSchema } from './names';

/**
 * A node of the route tree (Alertmanager semantics): matchers, an optional policy, children, continue.
 * `policy` and `grouping` are inherited by child routes that do not set their own.
 */
export interface Route {
  matchers: Matcher[];
  policy?: string;
  /** Storm grouping of first pages for incidents this route takes (see delivery/grouping.ts); false: never. */
  grouping?: GroupingConfig | false;
  continue: boolean;
  routes: Route[];
}

type RouteInput = {
  matchers?: string[];
  policy?: string;
  grouping?: GroupingInput;
  continue?: boolean;
  routes?: RouteInput[];
};

export const routeSchema: z.ZodType<Route, RouteInput> = z.lazy(() =>
  z
    .object({
      matchers: z.array(matcherSchema).default([]),
      policy: nameSchema.optional(),
      grouping: groupingSchema.optional(),
      continue: z.boolean().default(false),
      routes: z.array(routeSchema).default([]),
    })
    .strict(),
);

/** Where an alert was routed: the policy and the path of route indexes that chose it (for `config check`). */
export interface RouteMatch {
  policy: string;
  path: string;
}

function walk(route: Route, labels: Record<string, string>, inherited: string, path: string, out: RouteMatch[]): boolean {
  if (!matchesAll(route.matchers, labels)) return false;
  const policy = route.policy ?? inherited;
  let childMatched = false;
  for (const [i, child] of route.routes.entries()) {
    if (walk(child, labels, policy, `${path}.routes.${i}`, out)) {
      childMatched = true;
      if (!child.continue) break;
    }
  }
  // Like Alertmanager: the deepest matching routes win; a node only applies itself when no child took the alert.
  if (!childMatched) out.push({ policy, path });
  return true;
}

/**
 * Routes an incident's labels through the tree. Always returns at least one match: the root
 * matches everything and falls back to `defaultPolicy`. Several matches arise from `continue: true`.
 */
export function route(root: Route, labels: Record<string, string>, defaultPolicy: string): RouteMatch[] {
  const out: RouteMatch[] = [];
  const rootAll: Route = { ...root, matchers: [] };
  walk(rootAll, labels, root.policy ?? defaultPolicy, 'routes', out);
  return out;
}

/**
 * The grouping in force at a route path (as `route` reports it): the nearest setting on the way down,
 * the root's own, or DEFAULT_GROUPING when no node on the path sets one; null when it says false.
 */
export function groupingAt(root: Route, path: string): GroupingConfig | null {
  let node: Route | undefined = root;
  let found = root.grouping ?? DEFAULT_GROUPING;
  for (const [, index] of path.matchAll(/\.routes\.(\d+)/g)) {
    node = node?.routes[Number(index)];
    if (node?.grouping !== undefined) found = node.grouping;
  }
  return found === false ? null : found;
}
