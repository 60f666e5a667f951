/** `memory_write`, `memory_read`, `memory_search`: effects over the stores of `memory` blocks. */
import type { EffectContext } from '../run/effect-context';
import type { Value } from '../interp/values';
import { BatonError } from '../errors';

export async function memoryEffect(name: string, _args: Value[], _ctx: EffectContext): Promise<Value> {
  throw new BatonError('runtime', `${name}() is not implemented yet`);
}
