/**
 * A generic pre-order walk over runtime/dsl syntax trees, for features that look at every node
 * (folding, semantic tokens, links). It reads node fields by reflection (any object with a `kind`,
 * alone or in an array), so it follows the AST as it grows, and it uses an explicit stack, so
 * deeply nested expressions cannot overflow the call stack. Children come in source order.
 */
import type * as A from '../runtime/dsl/ast';

/** `visit` returns false to skip the node's children. */
export function walk(root: A.Node, visit: (node: A.Node, parent: A.Node | null) => boolean | void): void {
  const stack: Array<[A.Node, A.Node | null]> = [[root, null]];
  const kids: A.Node[] = [];
  while (stack.length) {
    const [node, parent] = stack.pop()!;
    if (visit(node, parent) === false) continue;
    kids.length = 0;
    for (const key in node) {
      if (key === 'kind' || key === 'start' || key === 'end') continue;
      const v = (node as unknown as Record<string, unknown>)[key];
      if (v === null || typeof v !== 'object') continue;
      if (Array.isArray(v)) {
        for (const x of v) if (x && typeof x === 'object' && typeof (x as A.Node).kind === 'string') kids.push(x as A.Node);
      } else if (typeof (v as A.Node).kind === 'string') {
        kids.push(v as A.Node);
      }
    }
    // Source order: sort by start (fields are mostly declared in order already), then push reversed.
    if (kids.length > 1) kids.sort((a, b) => a.start - b.start);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], node]);
  }
}
