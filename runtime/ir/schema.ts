/**
 * The IR: what the runtime executes. Plain JSON, validated by these zod schemas, produced by
 * runtime/dsl/compiler.ts. Every node keeps its source location `loc = [line, col, endLine, endCol]`
 * (1-based). Optional fields are omitted, never `undefined`, so the IR survives a JSON round-trip.
 */
import { z } from 'zod';

export const IR_VERSION = 1;

export const Loc = z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]);
export type Loc = z.infer<typeof Loc>;

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export const Json: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Json), z.record(z.string(), Json)]));

export type TypeIR =
  | { t: 'named'; name: string; args: TypeIR[]; optional?: boolean }
  | { t: 'array'; element: TypeIR; optional?: boolean }
  | { t: 'record'; fields: Array<{ name: string; type: TypeIR; optional?: boolean }>; optional?: boolean }
  | { t: 'union'; options: TypeIR[] }
  | { t: 'lit'; value: string | number | boolean };
export const TypeIR: z.ZodType<TypeIR> = z.lazy(() => z.discriminatedUnion('t', [
  z.object({ t: z.literal('named'), name: z.string(), args: z.array(TypeIR), optional: z.boolean().optional() }),
  z.object({ t: z.literal('array'), element: TypeIR, optional: z.boolean().optional() }),
  z.object({ t: z.literal('record'), fields: z.array(z.object({ name: z.string(), type: TypeIR, optional: z.boolean().optional() })), optional: z.boolean().optional() }),
  z.object({ t: z.literal('union'), options: z.array(TypeIR) }),
  z.object({ t: z.literal('lit'), value: z.union([z.string(), z.number(), z.boolean()]) }),
]));

export const CallKind = z.enum(['function', 'builtin', 'method', 'tool', 'agent', 'llm', 'semantic', 'value']);
export type CallKind = z.infer<typeof CallKind>;

export type PatternIR =
  | { p: 'wild'; loc: Loc }
  | { p: 'lit'; value: string | number | boolean | null; loc: Loc }
  | { p: 'bind'; name: string; loc: Loc }
  | { p: 'ctor'; name: string; args: PatternIR[]; loc: Loc }
  | { p: 'or'; options: PatternIR[]; loc: Loc };
export const PatternIR: z.ZodType<PatternIR> = z.lazy(() => z.discriminatedUnion('p', [
  z.object({ p: z.literal('wild'), loc: Loc }),
  z.object({ p: z.literal('lit'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]), loc: Loc }),
  z.object({ p: z.literal('bind'), name: z.string(), loc: Loc }),
  z.object({ p: z.literal('ctor'), name: z.string(), args: z.array(PatternIR), loc: Loc }),
  z.object({ p: z.literal('or'), options: z.array(PatternIR), loc: Loc }),
]));

export type GlobalKind = 'agent' | 'tool' | 'function' | 'mcp' | 'memory' | 'channel' | 'schedule' | 'webhook' | 'type' | 'builtin';

export type ExprIR =
  | { k: 'lit'; value: string | number | boolean | null; duration?: true; loc: Loc }
  | { k: 'vault'; path: string; loc: Loc }
  | { k: 'var'; name: string; loc: Loc }
  | { k: 'global'; name: string; kind: GlobalKind; loc: Loc }
  | { k: 'array'; items: ExprIR[]; loc: Loc }
  | { k: 'record'; entries: Array<[string, ExprIR]>; type?: string; loc: Loc }
  | { k: 'lambda'; params: string[]; body: ExprIR | BlockIR; loc: Loc }
  | { k: 'unary'; op: string; operand: ExprIR; loc: Loc }
  | { k: 'binary'; op: string; left: ExprIR; right: ExprIR; loc: Loc }
  | { k: 'member'; object: ExprIR; name: string; loc: Loc }
  | { k: 'index'; object: ExprIR; index: ExprIR; loc: Loc }
  | {
    k: 'call'; kind: CallKind; name: string; args: ExprIR[]; named: Array<[string, ExprIR]>;
    /** The receiver of a method call, or the callee value of a `value` call. */
    target?: ExprIR;
    /** Built-in that is a journaled effect. */
    effect?: true;
    mcp?: { server: string; tool: string };
    /** Declaring file of an agent/tool/function from another file of the workspace. */
    uri?: string;
    loc: Loc;
  }
  | { k: 'if'; cond: ExprIR; then: BlockIR; else?: BlockIR | ExprIR; loc: Loc }
  | { k: 'match'; subject: ExprIR; arms: ArmIR[]; loc: Loc };

export interface ArmIR { pattern: PatternIR; guard?: ExprIR; body: ExprIR | BlockIR; loc: Loc }

export type StmtIR =
  | { s: 'let'; name: string; type?: TypeIR; value?: ExprIR; loc: Loc }
  | { s: 'assign'; target: ExprIR; op: string; value: ExprIR; declares?: true; loc: Loc }
  | { s: 'if'; cond: ExprIR; then: BlockIR; else?: BlockIR | StmtIR; loc: Loc }
  | { s: 'iflet'; pattern: PatternIR; value: ExprIR; then: BlockIR; else?: BlockIR | StmtIR; loc: Loc }
  | { s: 'for'; vars: string[]; iterable: ExprIR; body: BlockIR; loc: Loc }
  | { s: 'while'; cond: ExprIR; body: BlockIR; loc: Loc }
  | { s: 'try'; body: BlockIR; catchType?: string; catchName?: string; handler?: BlockIR; loc: Loc }
  | { s: 'return'; value?: ExprIR; loc: Loc }
  | { s: 'break'; loc: Loc }
  | { s: 'continue'; loc: Loc }
  /** `value: true` marks a block's trailing expression (the block's value). */
  | { s: 'expr'; expr: ExprIR; value?: true; loc: Loc }
  | { s: 'parallel'; body: StmtIR[]; loc: Loc }
  | { s: 'block'; body: BlockIR; loc: Loc };

export interface BlockIR { stmts: StmtIR[]; loc: Loc }

export const BlockIR: z.ZodType<BlockIR> = z.lazy(() => z.object({ stmts: z.array(StmtIR), loc: Loc }));
const BlockOrExpr: z.ZodType<BlockIR | ExprIR> = z.lazy(() => z.union([BlockIR, ExprIR]));

export const ArmIR: z.ZodType<ArmIR> = z.lazy(() => z.object({ pattern: PatternIR, guard: ExprIR.optional(), body: BlockOrExpr, loc: Loc }));

export const ExprIR: z.ZodType<ExprIR> = z.lazy(() => z.discriminatedUnion('k', [
  z.object({ k: z.literal('lit'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]), duration: z.literal(true).optional(), loc: Loc }),
  z.object({ k: z.literal('vault'), path: z.string(), loc: Loc }),
  z.object({ k: z.literal('var'), name: z.string(), loc: Loc }),
  z.object({ k: z.literal('global'), name: z.string(), kind: z.enum(['agent', 'tool', 'function', 'mcp', 'memory', 'channel', 'schedule', 'webhook', 'type', 'builtin']), loc: Loc }),
  z.object({ k: z.literal('array'), items: z.array(ExprIR), loc: Loc }),
  z.object({ k: z.literal('record'), entries: z.array(z.tuple([z.string(), ExprIR])), type: z.string().optional(), loc: Loc }),
  z.object({ k: z.literal('lambda'), params: z.array(z.string()), body: BlockOrExpr, loc: Loc }),
  z.object({ k: z.literal('unary'), op: z.string(), operand: ExprIR, loc: Loc }),
  z.object({ k: z.literal('binary'), op: z.string(), left: ExprIR, right: ExprIR, loc: Loc }),
  z.object({ k: z.literal('member'), object: ExprIR, name: z.string(), loc: Loc }),
  z.object({ k: z.literal('index'), object: ExprIR, index: ExprIR, loc: Loc }),
  z.object({
    k: z.literal('call'), kind: CallKind, name: z.string(), args: z.array(ExprIR), named: z.array(z.tuple([z.string(), ExprIR])),
    target: ExprIR.optional(), effect: z.literal(true).optional(), mcp: z.object({ server: z.string(), tool: z.string() }).optional(),
    uri: z.string().optional(), loc: Loc,
  }),
  z.object({ k: z.literal('if'), cond: ExprIR, then: BlockIR, else: BlockOrExpr.optional(), loc: Loc }),
  z.object({ k: z.literal('match'), subject: ExprIR, arms: z.array(ArmIR), loc: Loc }),
]));

const BlockOrStmt: z.ZodType<BlockIR | StmtIR> = z.lazy(() => z.union([BlockIR, StmtIR]));

export const StmtIR: z.ZodType<StmtIR> = z.lazy(() => z.discriminatedUnion('s', [
  z.object({ s: z.literal('let'), name: z.string(), type: TypeIR.optional(), value: ExprIR.optional(), loc: Loc }),
  z.object({ s: z.literal('assign'), target: ExprIR, op: z.string(), value: ExprIR, declares: z.literal(true).optional(), loc: Loc }),
  z.object({ s: z.literal('if'), cond: ExprIR, then: BlockIR, else: BlockOrStmt.optional(), loc: Loc }),
  z.object({ s: z.literal('iflet'), pattern: PatternIR, value: ExprIR, then: BlockIR, else: BlockOrStmt.optional(), loc: Loc }),
  z.object({ s: z.literal('for'), vars: z.array(z.string()), iterable: ExprIR, body: BlockIR, loc: Loc }),
  z.object({ s: z.literal('while'), cond: ExprIR, body: BlockIR, loc: Loc }),
  z.object({ s: z.literal('try'), body: BlockIR, catchType: z.string().optional(), catchName: z.string().optional(), handler: BlockIR.optional(), loc: Loc }),
  z.object({ s: z.literal('return'), value: ExprIR.optional(), loc: Loc }),
  z.object({ s: z.literal('break'), loc: Loc }),
  z.object({ s: z.literal('continue'), loc: Loc }),
  z.object({ s: z.literal('expr'), expr: ExprIR, value: z.literal(true).optional(), loc: Loc }),
  z.object({ s: z.literal('parallel'), body: z.array(StmtIR), loc: Loc }),
  z.object({ s: z.literal('block'), body: BlockIR, loc: Loc }),
]));

export const ParamIR = z.object({ name: z.string(), type: TypeIR.optional(), default: ExprIR.optional(), loc: Loc });
export type ParamIR = z.infer<typeof ParamIR>;

export const FunctionIR = z.object({ name: z.string(), params: z.array(ParamIR), returns: TypeIR.optional(), body: BlockIR, loc: Loc });
export type FunctionIR = z.infer<typeof FunctionIR>;

/** A constant setting value; vault references stay references (`{ $vault: path }`), never resolved here. */
export const SettingValue = Json;

export const ToolBinding = z.discriminatedUnion('type', [
  z.object({ type: z.literal('builtin'), id: z.string() }),
  z.object({ type: z.literal('command'), argv: z.array(z.string()) }),
  z.object({ type: z.literal('mcp'), server: z.string(), tool: z.string() }),
  z.object({ type: z.literal('http'), method: z.string(), url: z.string() }),
]);
export type ToolBinding = z.infer<typeof ToolBinding>;

export const ToolIR = z.object({
  name: z.string(),
  params: z.array(ParamIR),
  returns: TypeIR.optional(),
  description: z.string().optional(),
  binding: ToolBinding,
  idempotent: z.boolean(),
  timeoutMs: z.number().optional(),
  capability: z.string().optional(),
  approval: z.enum(['always', 'never', 'policy']),
  cache: z.boolean(),
  /** Every setting as written (constants), for settings the runtime reads later. */
  settings: z.record(z.string(), SettingValue),
  loc: Loc,
});
export type ToolIR = z.infer<typeof ToolIR>;

export const PatternActions = z.object({
  /** Tool or capability names; `all` matches every action. */
  names: z.array(z.string()),
  all: z.boolean(),
  /** Names bound by a call-shape pattern, in argument order (`read_logs(service)` → ["service"]). */
  bind: z.array(z.string()),
});

export const RuleIR = z.object({
  verb: z.enum(['allow', 'deny', 'require', 'audit']),
  /** `actions`: a tool/capability pattern; `approval`: `require: approval(x)`; `settings`: a record of settings. */
  form: z.enum(['actions', 'approval', 'settings']),
  pattern: PatternActions,
  settings: z.record(z.string(), SettingValue).optional(),
  condition: ExprIR.optional(),
  /** The condition reads `context.has_human_approval`: a failed deny asks a human instead. */
  asksHuman: z.boolean(),
  policy: z.string(),
  loc: Loc,
});
export type RuleIR = z.infer<typeof RuleIR>;

export const PolicyIR = z.object({ name: z.string(), rules: z.array(RuleIR), loc: Loc });
export type PolicyIR = z.infer<typeof PolicyIR>;

export const AgentIR = z.object({
  name: z.string(),
  params: z.array(ParamIR),
  returns: TypeIR.optional(),
  capabilities: z.array(z.string()),
  policies: z.array(PolicyIR),
  functions: z.array(FunctionIR),
  tools: z.array(ToolIR),
  /** `with` attributes (constants; a non-constant attribute is kept as `{ $expr: ExprIR }`). */
  attrs: z.record(z.string(), z.unknown()),
  /** The `with` block's body; absent for a pure reasoning-loop agent. */
  body: BlockIR.optional(),
  loc: Loc,
});
export type AgentIR = z.infer<typeof AgentIR>;

export const McpServerIR = z.object({
  name: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  /** Values are strings or `{ $vault: path }` references, resolved only at launch. */
  env: z.record(z.string(), z.union([z.string(), z.object({ $vault: z.string() })])),
  settings: z.record(z.string(), SettingValue),
  loc: Loc,
});
export type McpServerIR = z.infer<typeof McpServerIR>;

export const NamedSettingsIR = z.object({
  name: z.string(),
  settings: z.record(z.string(), SettingValue),
  policies: z.array(PolicyIR),
  loc: Loc,
});
export type NamedSettingsIR = z.infer<typeof NamedSettingsIR>;

export const ProgramIR = z.object({
  version: z.literal(IR_VERSION),
  source: z.string(),
  metadata: z.record(z.string(), SettingValue),
  agents: z.array(AgentIR),
  functions: z.array(FunctionIR),
  tools: z.array(ToolIR),
  types: z.record(z.string(), TypeIR),
  policies: z.array(PolicyIR),
  mcp: z.array(McpServerIR),
  memories: z.array(NamedSettingsIR),
  schedules: z.array(NamedSettingsIR),
  channels: z.array(NamedSettingsIR),
  webhooks: z.array(NamedSettingsIR),
});
export type ProgramIR = z.infer<typeof ProgramIR>;
