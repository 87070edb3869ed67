/** The dependency graph of a job's tasks (`depends_on`), as plain functions over task keys. */
export interface TaskNode {
  taskKey: string;
  dependsOn: string[];
}

/** Longest path from a root to each task (a task runs after all it depends on). Cycles count as roots. */
export function dependencyDepths(tasks: readonly TaskNode[]): Map<string, number> {
  const byKey = new Map(tasks.map((t) => [t.taskKey, t]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (key: string): number => {
    const known = depths.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return 0;
    visiting.add(key);
    const task = byKey.get(key);
    const upstream = (task?.dependsOn ?? []).filter((k) => byKey.has(k));
    const depth = upstream.length === 0 ? 0 : Math.max(...upstream.map(depthOf)) + 1;
    visiting.delete(key);
    depths.set(key, depth);
    return depth;
  };
  for (const task of tasks) depthOf(task.taskKey);
  if (depths.size === 0) depths.set('', 0);
  return depths;
}

/** Every task that (directly or transitively) depends on one of `keys`. */
export function downstreamOf(tasks: readonly TaskNode[], keys: Iterable<string>): Set<string> {
  const found = new Set<string>();
  let frontier = [...keys];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const task of tasks) {
      if (!found.has(task.taskKey) && task.dependsOn.some((k) => frontier.includes(k))) {
        found.add(task.taskKey);
        next.push(task.taskKey);
      }
    }
    frontier = next;
  }
  return found;
}

/** The tasks in an order where every task comes after the tasks it depends on (cycles broken arbitrarily). */
export function inDependencyOrder<T extends TaskNode>(tasks: readonly T[]): T[] {
  const depths = dependencyDepths(tasks);
  return [...tasks].sort((a, b) => (depths.get(a.taskKey) ?? 0) - (depths.get(b.taskKey) ?? 0));
}
