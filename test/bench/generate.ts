/**
 * Deterministic benchmark inputs: realistic Baton files made of many agents in the style of the
 * Symbiont corpus (metadata, types, tools, functions, policies with conditional rules, `with`
 * blocks, bodies with let/if/for/while/match/try/parallel, calls, records, lambdas). Every copy
 * gets its own suffix, so the file has no duplicate definitions; the generated file is meant to
 * check without errors (the bench reports the diagnostic counts so a regression there is visible).
 */
import { prng } from './common';
import { lex } from '../../runtime/dsl/lexer';

const HEADER = `// Generated benchmark input: many independent agents in one file.
// Do not edit: produced by test/bench/generate.ts.

metadata {
    version = "1.0.0"
    author = "Baton benchmarks"
    description = "Synthetic fleet of incident triage and workflow agents"
    tags = ["bench", "triage", "workflow"]
    model = "gpt-4o-mini"
}
`;

const SERVICES = ['checkout', 'payments', 'search', 'auth', 'inventory', 'shipping', 'billing', 'catalog'];
const LEVELS = ['"info"', '"debug"', '"warn"'];

/** A Baton-style triage agent with its types, tools and helper function (about 5 KB). */
function triageUnit(i: number, rnd: () => number): string {
  const svc = SERVICES[Math.floor(rnd() * SERVICES.length)];
  const limit = 5 + Math.floor(rnd() * 50);
  const threshold = 10 + Math.floor(rnd() * 90);
  const level = LEVELS[Math.floor(rnd() * LEVELS.length)];
  return `
// ---- unit ${i}: incident triage for ${svc} ----

type Finding_${i} = {
    severity: "low" | "medium" | "high",
    service: String,
    message: String,
    count: int,
    tags: [String],
}

type Report_${i} = { findings: [Finding_${i}], score: float, summary: String, approved: bool }

tool fetch_logs_${i}(service: String, lines: int = 200) -> String {
    description = "Recent logs of a service."
    command = ["kubectl", "logs", "deployment/{service}", "--tail", "{lines}"]
    capability = "observe"
    idempotent = true
    timeout = 20s
}

tool fetch_metrics_${i}(service: String, window: String = "15m") -> Any {
    description = "Metrics of a service over a time window."
    http = "GET https://metrics.example.com/api/{service}?window={window}"
    capability = "observe"
    idempotent = true
}

tool restart_${i}(service: String) -> String {
    command = ["kubectl", "rollout", "restart", "deployment/{service}"]
    capability = "operate"
}

function severity_score_${i}(level: String, count: int, weight: float = 1.5) -> float {
    let base = match level {
        "high" => 10.0,
        "medium" => 4.0,
        _ => 1.0,
    };
    let total = base * weight;
    if count > 100 {
        total = total * 2;
    } else if count > 10 {
        total += count / 10;
    }
    return total;
}

agent triage_${i}(service: String, window: String = "15m", limit: int = ${limit}) -> Report_${i} {
    capabilities = ["observe", "operate", "analyze"]

    policy triage_policy_${i} {
        // Reading is always fine; restarting needs a human.
        allow: [fetch_logs_${i}, fetch_metrics_${i}]
        allow: restart_${i}(s) if context.has_human_approval && s == service
        deny: restart_${i}(s) if not context.has_human_approval
        deny: ["delete_data", "network_admin"]
        require: { rate_limiting: "60/minute" }
        audit: { log_level: ${level}, include_input: true, include_output: true }
    }

    with
        memory = "ephemeral",
        sandbox = "Tier1",
        timeout = 300000,   // 5 minutes
        max_iterations = 8,
        model = "gpt-4o-mini"
    {
        let logs = fetch_logs_${i}(service, lines = 500);
        let metrics = fetch_metrics_${i}(service, window: window);
        let findings = [];
        let lines = split(logs, "\\n");
        for line in lines {
            if len(findings) >= limit {
                break;
            }
            if contains(line, "ERROR") || contains(line, "FATAL") {
                let level = if contains(line, "FATAL") { "high" } else { "medium" };
                findings.append(Finding_${i} {
                    severity: level,
                    service: service,
                    message: trim(line),
                    count: 1,
                    tags: ["auto", "unit-${i}", "${svc}"],
                });
            } else if contains(line, "WARN") {
                continue;
            }
        }
        let score = 0.0;
        for f in findings {
            score += severity_score_${i}(f.severity, f.count);
        }
        let summary = "";
        try {
            summary = ask(format("Summarise {} findings for {} (score {}).", len(findings), service, score));
        } catch (e) {
            log("ERROR", "summary failed: " + e.message);
            summary = "no summary";
        }
        let approved = false;
        match metrics.status {
            "degraded" => {
                if score > ${threshold} {
                    restart_${i}(service);
                    approved = true;
                }
            },
            "down" => {
                log("WARN", "service " + service + " is down");
            },
            _ => {
                log("INFO", "nothing to do for " + service);
            },
        }
        let high = filter(findings, x => x.severity == "high");
        let attempts = 0;
        while attempts < 3 && len(high) > 0 {
            attempts += 1;
        }
        parallel {
            let recent = fetch_logs_${i}(service, lines = 50);
            let latest = fetch_metrics_${i}(service, window = "5m");
        }
        return Report_${i} {
            findings: findings,
            score: score,
            summary: summary + " / " + to_json({ recent: len(recent), latest: latest, attempts: attempts }),
            approved: approved,
        };
    }
}
`;
}

/** A Symbiont-corpus-style workflow agent (like agents__workflow_orchestrator.symbi), about 3 KB. */
function workflowUnit(i: number, rnd: () => number): string {
  const depth = 2 + Math.floor(rnd() * 10);
  const retries = 1 + Math.floor(rnd() * 5);
  return `
// ---- unit ${i}: workflow orchestration ----

agent workflow_${i}(workflow_definition: WorkflowSpec) -> WorkflowResult {
    capabilities = ["workflow_management", "agent_coordination", "task_scheduling"]

    policy workflow_execution_${i} {
        allow: ["invoke_agent", "message_passing", "state_read", "state_write", "checkpoint"]
            if agent.id in workflow_definition.allowed_agents && workflow.depth < ${depth}
        deny: ["spawn_unlimited_agents", "recursive_orchestration", "external_network"]

        require: {
            workflow_approval: true,
            max_concurrent_agents: 50,
            checkpoint_enabled: true,
            max_retry_attempts: ${retries}
        }

        audit: {
            log_level: "info",
            include_workflow_graph: true,
            include_step_timing: true
        }
    }

    with
        memory = "persistent",
        coordination = "enabled",
        security = "high",
        sandbox = "Tier1",
        timeout = 600000,  // 10 minutes
        max_memory_mb = 2048,
        max_cpu_cores = 2.0
    {
        try {
            execution_context = WorkflowContext {
                workflow_id: uuid(),
                start_time: now(),
                steps_completed: 0,
                results: {},
                checkpoints: []
            };

            if let Some(checkpoint) = load_checkpoint(workflow_definition.id) {
                execution_context = checkpoint.context;
                log("INFO", "Resuming workflow ${i} from checkpoint: " + checkpoint.step_id);
            }

            for step in workflow_definition.steps {
                if execution_context.results.contains(step.name) {
                    continue;
                }
                try {
                    for dep in step.depends_on {
                        if !execution_context.results.contains(dep) {
                            return WorkflowResult {
                                success: false,
                                message: "Missing dependency: " + dep,
                                execution_context: execution_context
                            };
                        }
                    }
                    step_result = execute_workflow_step(step, execution_context, max_retries = ${retries});
                    execution_context.results[step.name] = step_result;
                    execution_context.steps_completed += 1;
                } catch (StepExecutionError e) {
                    log("ERROR", "Workflow step failed: " + step.name + " - " + e.message);
                    if step.required {
                        return WorkflowResult {
                            success: false,
                            message: "Required step failed: " + step.name,
                            error: e.message,
                            failed_at_step: step.name
                        };
                    } else {
                        execution_context.results[step.name] = { failed: true, error: e.message };
                    }
                }
            }

            return WorkflowResult {
                success: true,
                message: "Workflow ${i} completed",
                execution_context: execution_context
            };
        } catch (error) {
            log("ERROR", "Workflow orchestration failed: " + error.message);
            return WorkflowResult { success: false, message: "Workflow failed", error: error.message };
        }
    }
}
`;
}

/** Units alternate between the two styles (2 triage : 1 workflow), appended until `minBytes` is reached. */
export function generateAgents(minBytes: number, seed = 1): { text: string; units: number } {
  const rnd = prng(seed);
  const parts = [HEADER];
  let size = HEADER.length;
  let i = 0;
  while (size < minBytes) {
    const unit = i % 3 === 2 ? workflowUnit(i, rnd) : triageUnit(i, rnd);
    parts.push(unit);
    size += unit.length;
    i++;
  }
  return { text: parts.join(''), units: i };
}

/** Exactly `lines` lines: whole units, then comment lines to pad to the exact count. */
export function generateLines(lines: number, seed = 2): { text: string; units: number } {
  const rnd = prng(seed);
  let text = HEADER;
  let i = 0;
  for (;;) {
    const unit = i % 3 === 2 ? workflowUnit(i, rnd) : triageUnit(i, rnd);
    if (countLines(text + unit) > lines) break;
    text += unit;
    i++;
  }
  while (countLines(text) < lines) text += `// padding line ${countLines(text) + 1}\n`;
  return { text, units: i };
}

/** Number of lines, counting a final line without a newline (a text ending in `\n` has that many lines). */
export function countLines(text: string): number {
  let n = 0;
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) n++;
  return text.endsWith('\n') || text.length === 0 ? n : n + 1;
}

/**
 * Offsets of characters that can change without making the file invalid: letters inside string
 * literals that are call arguments (not settings, capabilities, rule targets or argv/URL templates,
 * whose contents the checker validates), and the last digit of integer literals.
 */
export function editSpots(text: string): Array<{ at: number; digit: boolean }> {
  const spots: Array<{ at: number; digit: boolean }> = [];
  const open: string[] = [];
  for (const t of lex(text).tokens) {
    const name = t.tokenType.name;
    if (t.image === '(' || t.image === '[' || t.image === '{') open.push(t.image);
    else if (t.image === ')' || t.image === ']' || t.image === '}') open.pop();
    else if (name === 'String' && open[open.length - 1] === '(' && !t.image.includes('{')) {
      for (let k = 1; k < t.image.length - 1; k++) {
        if (/[a-z]/.test(t.image[k]) && t.image[k - 1] !== '\\') spots.push({ at: t.startOffset + k, digit: false });
      }
    } else if (name === 'Number' && /^\d+$/.test(t.image)) {
      spots.push({ at: t.startOffset + t.image.length - 1, digit: true });
    }
  }
  return spots;
}
