/**
 * The syntax tree of a Baton/Symbiont file. Every node has exact source offsets
 * (`start` inclusive, `end` exclusive, UTF-16 code units, like LSP and JS strings).
 * The parser may leave `null` where input was missing; consumers must accept that.
 */

export interface Node { kind: string; start: number; end: number }

export interface Ident extends Node { kind: 'Ident'; name: string }

export interface Comment extends Node { kind: 'Comment'; text: string; style: '//' | '#' | '/*' }

export interface SourceFile extends Node {
  kind: 'SourceFile';
  items: Item[];
  comments: Comment[];
}

export type Item =
  | MetadataDecl | AgentDecl | PolicyDecl | TypeDecl | FunctionDecl | ToolDecl | McpDecl | SettingsDecl | ErrorNode;

export interface ErrorNode extends Node { kind: 'Error'; message: string }

export interface MetadataDecl extends Node { kind: 'Metadata'; body: Settings }

export interface AgentDecl extends Node {
  kind: 'Agent';
  name: Ident;
  /** `null` when the agent has no parameter list at all (`agent Greeter {`). */
  params: Param[] | null;
  returns: TypeRef | null;
  items: AgentItem[];
}

export type AgentItem = Capabilities | PolicyDecl | FunctionDecl | WithBlock | ToolDecl | ErrorNode;

export interface Capabilities extends Node {
  kind: 'Capabilities';
  sep: ':' | '=';
  items: CapabilityRef[];
}
export interface CapabilityRef extends Node { kind: 'Capability'; name: string; quoted: boolean }

export interface PolicyDecl extends Node { kind: 'Policy'; name: Ident; rules: Rule[] }

export type RuleVerb = 'allow' | 'deny' | 'require' | 'audit';
export interface Rule extends Node {
  kind: 'Rule';
  verb: RuleVerb;
  /** The action pattern: a call shape, a string, an array, a bare name, or a record of settings. */
  pattern: Expr;
  condition: Expr | null;
}

export interface WithBlock extends Node { kind: 'With'; attrs: WithAttr[]; body: Block }
export interface WithAttr extends Node { kind: 'WithAttr'; key: Ident; value: Expr }

export interface Param extends Node { kind: 'Param'; name: Ident; type: TypeRef | null; default: Expr | null }

export interface FunctionDecl extends Node {
  kind: 'Function';
  name: Ident;
  params: Param[];
  returns: TypeRef | null;
  body: Block;
}

export interface ToolDecl extends Node {
  kind: 'Tool';
  name: Ident;
  params: Param[];
  returns: TypeRef | null;
  body: Settings;
}

export interface McpDecl extends Node { kind: 'Mcp'; name: Ident; body: Settings }

/** `schedule`, `channel`, `memory` and `webhook` blocks: a name and settings. */
export interface SettingsDecl extends Node {
  kind: 'Schedule' | 'Channel' | 'Memory' | 'Webhook';
  name: Ident;
  body: Settings;
}

export interface TypeDecl extends Node { kind: 'TypeDecl'; name: Ident; type: TypeRef }

/** `{ key = value, key: value, key value, key { nested }, policy P { ... } }` */
export interface Settings extends Node { kind: 'Settings'; entries: (Setting | PolicyDecl | ErrorNode)[] }
export interface Setting extends Node {
  kind: 'Setting';
  key: Ident;
  sep: ':' | '=' | null;
  /** Exactly one of value / block is set, unless the value was missing (a syntax error). */
  value: Expr | null;
  block: Settings | null;
  /** Whether a comma followed the entry in the source. */
  comma: boolean;
}

// ---- types ----

export type TypeRef = NamedType | ArrayType | RecordType | UnionType | LiteralType;
export interface NamedType extends Node { kind: 'NamedType'; name: Ident; args: TypeRef[]; optional: boolean }
export interface ArrayType extends Node { kind: 'ArrayType'; element: TypeRef; optional: boolean }
export interface RecordType extends Node { kind: 'RecordType'; fields: FieldDecl[]; optional: boolean }
export interface FieldDecl extends Node { kind: 'Field'; name: Ident; type: TypeRef; optional: boolean }
export interface UnionType extends Node { kind: 'UnionType'; options: TypeRef[] }
export interface LiteralType extends Node { kind: 'LiteralType'; value: string | number | boolean }

// ---- statements ----

export interface Block extends Node { kind: 'Block'; stmts: Stmt[] }

export type Stmt =
  | LetStmt | AssignStmt | IfStmt | IfLetStmt | ForStmt | WhileStmt | MatchExpr | TryStmt | ReturnStmt
  | BreakStmt | ContinueStmt | ExprStmt | ParallelStmt | Block | ErrorNode;

export interface LetStmt extends Node { kind: 'Let'; name: Ident; type: TypeRef | null; value: Expr | null }
export type AssignOperator = '=' | '+=' | '-=' | '*=' | '/=' | '%=';
export interface AssignStmt extends Node { kind: 'Assign'; target: Expr; op: AssignOperator; value: Expr }
export interface IfStmt extends Node { kind: 'If'; cond: Expr; then: Block; else: Block | IfStmt | IfLetStmt | null }
export interface IfLetStmt extends Node {
  kind: 'IfLet'; pattern: Pattern; value: Expr; then: Block; else: Block | IfStmt | IfLetStmt | null;
}
export interface ForStmt extends Node { kind: 'For'; vars: Ident[]; iterable: Expr; body: Block }
export interface WhileStmt extends Node { kind: 'While'; cond: Expr; body: Block }
export interface TryStmt extends Node {
  kind: 'Try';
  body: Block;
  /** `catch (StepExecutionError e)`: the type filter; `catch (e)`: none. */
  catchType: Ident | null;
  catchName: Ident | null;
  handler: Block | null;
}
export interface ReturnStmt extends Node { kind: 'Return'; value: Expr | null }
export interface BreakStmt extends Node { kind: 'Break' }
export interface ContinueStmt extends Node { kind: 'Continue' }
/** `semi` is false for a block's trailing expression (its value). */
export interface ExprStmt extends Node { kind: 'ExprStmt'; expr: Expr; semi: boolean }
export interface ParallelStmt extends Node { kind: 'Parallel'; body: Block }

// ---- expressions ----

export type Expr =
  | Literal | VaultRef | NameRef | ArrayLit | RecordLit | TypedRecord | Lambda | Unary | Binary | Member | Index
  | Call | IfExpr | MatchExpr | Paren | ErrorNode;

export type LiteralKind = 'string' | 'number' | 'bool' | 'null' | 'duration';
export interface Literal extends Node {
  kind: 'Literal';
  litKind: LiteralKind;
  /** Decoded value: the string's contents, the number, the duration in milliseconds. */
  value: string | number | boolean | null;
  raw: string;
}
export interface VaultRef extends Node { kind: 'Vault'; path: string }
export interface NameRef extends Node { kind: 'Name'; name: string }
export interface ArrayLit extends Node { kind: 'Array'; elements: Expr[] }
export interface RecordEntry extends Node { kind: 'RecordEntry'; key: Ident; quoted: boolean; value: Expr }
export interface RecordLit extends Node { kind: 'Record'; entries: RecordEntry[] }
export interface TypedRecord extends Node { kind: 'TypedRecord'; type: Ident; entries: RecordEntry[] }
export interface Lambda extends Node { kind: 'Lambda'; params: Ident[]; body: Expr | Block }
export type UnaryOperator = '!' | 'not' | '-';
export interface Unary extends Node { kind: 'Unary'; op: UnaryOperator; operand: Expr }
export type BinaryOperator =
  | '||' | '&&' | '==' | '!=' | 'in' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%';
export interface Binary extends Node { kind: 'Binary'; op: BinaryOperator; left: Expr; right: Expr }
export interface Member extends Node { kind: 'Member'; object: Expr; property: Ident }
export interface Index extends Node { kind: 'Index'; object: Expr; index: Expr }
export interface Arg extends Node { kind: 'Arg'; name: Ident | null; sep: ':' | '=' | null; value: Expr }
export interface Call extends Node { kind: 'Call'; callee: Expr; args: Arg[] }
export interface IfExpr extends Node { kind: 'IfExpr'; cond: Expr; then: Block; else: Block | IfExpr | null }
export interface MatchArm extends Node { kind: 'MatchArm'; pattern: Pattern; guard: Expr | null; body: Expr | Block }
export interface MatchExpr extends Node { kind: 'Match'; subject: Expr; arms: MatchArm[] }
export interface Paren extends Node { kind: 'Paren'; expr: Expr }

// ---- patterns (match arms, if let) ----

export type Pattern = WildcardPat | LiteralPat | BindPat | CtorPat | OrPat | ErrorNode;
export interface WildcardPat extends Node { kind: 'WildcardPat' }
export interface LiteralPat extends Node { kind: 'LiteralPat'; literal: Literal }
export interface BindPat extends Node { kind: 'BindPat'; name: Ident }
export interface CtorPat extends Node { kind: 'CtorPat'; name: Ident; args: Pattern[] }
export interface OrPat extends Node { kind: 'OrPat'; options: Pattern[] }

export type AnyNode =
  | SourceFile | Item | AgentItem | Rule | WithAttr | Param | Setting | Settings | TypeRef | FieldDecl | Stmt | Expr
  | RecordEntry | Arg | MatchArm | Pattern | Ident | CapabilityRef;
