/**
 * Peer baselines for the per-step overhead benchmark of the reasoning loop: the same scripted
 * workload run through `@openai/agents` and `@langchain/langgraph`, in this process.
 *
 * Workload (identical for every framework, Baton included): one agent with one no-op tool
 * `noop(x: int) -> int` that returns `x`. A scripted model (no network, answers instantly) replies
 * `steps` times with a single tool call `noop({"x": i})` (i = 0 .. steps-1) and then once with the
 * final text "done". One step = one model call + one tool call + feeding the observation back.
 *
 * Per-step cost = wall time of one whole run / `steps`, in microseconds. Each peer does
 * `WARMUP_RUNS` untimed runs first, then `reps` timed runs; `perStepUs` is the median.
 * Only the run call itself is timed: building the agent / compiling the graph happens once, as a
 * user would do it, and is not part of the per-step cost.
 *
 * Every run is checked, so the numbers cannot come from a short-circuited loop: the scripted model
 * checks that the previous observation was fed back to it, the tool checks it receives
 * 0, 1, 2, ... in order, and after the run the tool must have been called exactly `steps` times
 * and the final output must be "done".
 *
 * Both peers are used the way their documentation shows: `@openai/agents` with a custom `Model`,
 * `tool()` + zod and `run()`; LangGraph with the explicit ReAct `StateGraph` (MessagesAnnotation,
 * model node, `ToolNode`, `toolsCondition`) over a `BaseChatModel` subclass with `bindTools`.
 * (`createReactAgent` from `@langchain/langgraph/prebuilt` is deprecated in LangGraph 1.x in favour
 * of `createAgent` from the separate `langchain` package, so the explicit graph is used.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import {
  Agent,
  run,
  setTracingDisabled,
  tool as agentsTool,
  Usage,
  type AgentInputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type StreamEvent,
  type protocol,
} from '@openai/agents';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { tool as lcTool } from '@langchain/core/tools';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';

export interface PeerResult {
  /** Package name of the peer (`@openai/agents`, `@langchain/langgraph`). */
  name: string;
  /** The peer's version, read from its package.json in node_modules. */
  version: string;
  /** Median over the timed repetitions of (run wall time / steps), in µs. */
  perStepUs: number;
  /** Per-step cost of every timed repetition, in µs, in run order. */
  samples: number[];
  note?: string;
}

/** Untimed runs before the timed ones, so the JIT has seen the whole loop. */
const WARMUP_RUNS = 3;

const FINAL_TEXT = 'done';

/**
 * The model's script, shared by a scripted model and the check after the run: call `i` answers
 * with `noop({"x": i})` while `i < steps`, then with the final text.
 */
class Script {
  /** Model calls answered so far in the current run. */
  calls = 0;
  constructor(readonly steps: number) {}

  reset(): void {
    this.calls = 0;
  }
}

/** Counts and checks the calls the framework makes to the no-op tool. */
class ToolCounter {
  calls = 0;

  reset(): void {
    this.calls = 0;
  }

  /** The tool body: `x` must be the next expected value; returns it. */
  noop(x: number): number {
    if (x !== this.calls) throw new Error(`noop called with x=${x}, expected ${this.calls}`);
    this.calls++;
    return x;
  }
}

/** Times `warmup` + `reps` runs of `runOnce` (which checks itself) and builds the result. */
async function measure(
  name: string,
  steps: number,
  reps: number,
  runOnce: () => Promise<void>,
  note?: string,
): Promise<PeerResult> {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`reps must be a positive integer, got ${reps}`);
  for (let i = 0; i < WARMUP_RUNS; i++) await runOnce();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await runOnce();
    const ms = performance.now() - t0;
    samples.push((ms * 1000) / steps);
  }
  return { name, version: packageVersion(name), perStepUs: median(samples), samples, note };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The `version` field of `node_modules/<name>/package.json`, looked up the way node resolves
 * packages (nearest node_modules above this file). Read from disk because not every peer lists
 * `./package.json` in its `exports`.
 */
function packageVersion(name: string): string {
  let dir = __dirname;
  for (;;) {
    const file = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(file)) {
      const version: unknown = JSON.parse(fs.readFileSync(file, 'utf8')).version;
      return typeof version === 'string' ? version : 'unknown';
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

// ---------------------------------------------------------------------------------------------
// @openai/agents
// ---------------------------------------------------------------------------------------------

/**
 * A `Model` for `@openai/agents` that follows the script: a `function_call` output item while
 * steps remain, then an assistant `message` item with the final text.
 */
class ScriptedAgentsModel implements Model {
  constructor(private readonly script: Script) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const id = `resp_${this.script.calls}`;
    return { usage: new Usage({ requests: 1 }), output: this.next(request), responseId: id };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    const id = `resp_${this.script.calls}`;
    const output = this.next(request);
    yield { type: 'response_started' };
    yield {
      type: 'response_done',
      response: { id, usage: { requests: 1, inputTokens: 0, outputTokens: 0, totalTokens: 0 }, output },
    };
  }

  /** Checks the previous observation came back, then answers the next line of the script. */
  private next(request: ModelRequest): protocol.OutputModelItem[] {
    const i = this.script.calls++;
    if (i > 0) checkAgentsObservation(request.input, i - 1);
    if (i < this.script.steps) {
      return [{
        type: 'function_call',
        id: `fc_${i}`,
        callId: `call_${i}`,
        name: 'noop',
        arguments: JSON.stringify({ x: i }),
        status: 'completed',
      }];
    }
    if (i === this.script.steps) {
      return [{
        type: 'message',
        id: `msg_${i}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: FINAL_TEXT }],
      }];
    }
    throw new Error(`scripted model called ${i + 1} times, script has ${this.script.steps + 1} answers`);
  }
}

/** The last input item must be the result of call `prev`, carrying `prev` as output. */
function checkAgentsObservation(input: string | AgentInputItem[], prev: number): void {
  const last = typeof input === 'string' ? undefined : input[input.length - 1];
  if (last?.type !== 'function_call_result' || last.callId !== `call_${prev}`) {
    throw new Error(`@openai/agents: observation of call ${prev} not fed back (last item: ${last?.type})`);
  }
  const out = last.output;
  const text = typeof out === 'string' ? out : !Array.isArray(out) && out.type === 'text' ? out.text : undefined;
  if (text !== String(prev)) throw new Error(`@openai/agents: observation ${JSON.stringify(out)}, expected "${prev}"`);
}

/** Per-step overhead of `@openai/agents` `run()` on the scripted workload. */
export async function openaiAgentsPerStep(steps: number, reps: number): Promise<PeerResult> {
  setTracingDisabled(true);
  const script = new Script(steps);
  const counter = new ToolCounter();
  const noop = agentsTool({
    name: 'noop',
    description: 'Returns x unchanged.',
    parameters: z.object({ x: z.number().int() }),
    execute: async ({ x }) => counter.noop(x),
  });
  const agent = new Agent({
    name: 'bench',
    instructions: 'Call noop until told otherwise.',
    model: new ScriptedAgentsModel(script),
    tools: [noop],
  });
  const runOnce = async (): Promise<void> => {
    script.reset();
    counter.reset();
    const result = await run(agent, 'go', { maxTurns: steps + 5 });
    if (counter.calls !== steps) throw new Error(`@openai/agents: ${counter.calls} tool calls, expected ${steps}`);
    if (script.calls !== steps + 1) throw new Error(`@openai/agents: ${script.calls} model calls, expected ${steps + 1}`);
    if (result.finalOutput !== FINAL_TEXT) throw new Error(`@openai/agents: final output ${JSON.stringify(result.finalOutput)}`);
  };
  return measure('@openai/agents', steps, reps, runOnce, 'custom Model + tool()/zod, run() non-streamed, tracing disabled');
}

// ---------------------------------------------------------------------------------------------
// @langchain/langgraph
// ---------------------------------------------------------------------------------------------

type OpenAIToolDef = ReturnType<typeof convertToOpenAITool>;

interface ScriptedCallOptions extends BaseChatModelCallOptions {
  tools?: OpenAIToolDef[];
}

/**
 * A LangChain chat model that follows the script: an `AIMessage` with one `noop` tool call while
 * steps remain, then an `AIMessage` with the final text. `bindTools` works like the provider
 * models' (tools converted to OpenAI format and bound as call options).
 */
class ScriptedChatModel extends BaseChatModel<ScriptedCallOptions> {
  constructor(private readonly script: Script) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<ScriptedCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, ScriptedCallOptions> {
    return this.withConfig({ tools: tools.map((t) => convertToOpenAITool(t)), ...kwargs });
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const i = this.script.calls++;
    if (i === 0 && !options.tools?.some((t) => t.function.name === 'noop')) {
      throw new Error('langgraph: noop tool not bound to the model');
    }
    if (i > 0) checkLangchainObservation(messages, i - 1);
    let message: AIMessage;
    if (i < this.script.steps) {
      message = new AIMessage({
        content: '',
        tool_calls: [{ type: 'tool_call', id: `call_${i}`, name: 'noop', args: { x: i } }],
      });
    } else if (i === this.script.steps) {
      message = new AIMessage(FINAL_TEXT);
    } else {
      throw new Error(`scripted model called ${i + 1} times, script has ${this.script.steps + 1} answers`);
    }
    return { generations: [{ text: typeof message.content === 'string' ? message.content : '', message }] };
  }
}

/** The last message must be the ToolMessage answering call `prev`, with content `prev`. */
function checkLangchainObservation(messages: BaseMessage[], prev: number): void {
  const last = messages[messages.length - 1];
  if (!ToolMessage.isInstance(last) || last.tool_call_id !== `call_${prev}`) {
    throw new Error(`langgraph: observation of call ${prev} not fed back (last message: ${last?.type})`);
  }
  if (last.content !== String(prev)) {
    throw new Error(`langgraph: observation ${JSON.stringify(last.content)}, expected "${prev}"`);
  }
}

/** Per-step overhead of a LangGraph ReAct graph (`graph.invoke`) on the scripted workload. */
export async function langgraphPerStep(steps: number, reps: number): Promise<PeerResult> {
  const script = new Script(steps);
  const counter = new ToolCounter();
  const noop = lcTool(async ({ x }) => counter.noop(x), {
    name: 'noop',
    description: 'Returns x unchanged.',
    schema: z.object({ x: z.number().int() }),
  });
  const tools = [noop];
  const model = new ScriptedChatModel(script).bindTools(tools);
  const callModel = async (state: typeof MessagesAnnotation.State) => ({
    messages: [await model.invoke(state.messages)],
  });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', callModel)
    .addNode('tools', new ToolNode(tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  // Each step is two super-steps (agent, tools), plus the final agent call.
  const recursionLimit = 2 * steps + 10;
  const runOnce = async (): Promise<void> => {
    script.reset();
    counter.reset();
    const state = await graph.invoke({ messages: [new HumanMessage('go')] }, { recursionLimit });
    if (counter.calls !== steps) throw new Error(`langgraph: ${counter.calls} tool calls, expected ${steps}`);
    if (script.calls !== steps + 1) throw new Error(`langgraph: ${script.calls} model calls, expected ${steps + 1}`);
    const last = state.messages[state.messages.length - 1];
    if (!AIMessage.isInstance(last) || last.content !== FINAL_TEXT) {
      throw new Error(`langgraph: final message ${JSON.stringify(last?.content)}`);
    }
    if (state.messages.length !== 2 * steps + 2) {
      throw new Error(`langgraph: ${state.messages.length} messages, expected ${2 * steps + 2}`);
    }
  };
  return measure(
    '@langchain/langgraph',
    steps,
    reps,
    runOnce,
    'StateGraph(MessagesAnnotation) + ToolNode + toolsCondition, BaseChatModel subclass with bindTools, invoke(), no checkpointer',
  );
}
