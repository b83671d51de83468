/**
 * The OSWorld task-file format as zod schemas. Only the fields the harness acts on are checked
 * strictly; informational fields (snapshot, source, trajectory, ...) pass through untouched so that
 * newer task files with extra keys still load.
 */
import { z } from 'zod';

/** One setup / postconfig step: `{type, parameters}`. Parameters are checked per type in setup. */
export const StepSchema = z.object({
  type: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()).default({}),
});
export type Step = z.infer<typeof StepSchema>;

/** A getter config `{type, ...}`; the rest of the keys belong to the getter. */
export const GetterConfigSchema = z.looseObject({ type: z.string().min(1) });
export type GetterConfig = z.infer<typeof GetterConfigSchema>;

const OneOrMany = <T extends z.ZodType>(schema: T, what: string) =>
  z.union([schema, z.array(schema)], { error: (issue) => (issue.input === undefined ? `is missing: give ${what}` : `must be ${what}`) });

export const EvaluatorSchema = z
  .looseObject({
    func: OneOrMany(z.string().min(1), 'a metric name or a list of them'),
    conj: z.enum(['and', 'or']).optional(),
    result: OneOrMany(GetterConfigSchema.nullable(), 'a getter {type, ...} or a list of them').optional(),
    expected: OneOrMany(GetterConfigSchema.nullable(), 'a getter {type, ...} or a list of them').optional(),
    options: OneOrMany(z.record(z.string(), z.unknown()).nullable(), 'an options object or a list of them').optional(),
    postconfig: z.array(StepSchema).optional(),
  })
  .superRefine((ev, ctx) => {
    // With a list of metrics every getter list must line up with it, index by index.
    if (!Array.isArray(ev.func)) return;
    for (const key of ['result', 'expected', 'options'] as const) {
      const value = ev[key];
      if (value !== undefined && Array.isArray(value) && value.length !== ev.func.length) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `has ${value.length} entries but func has ${ev.func.length}; they must be parallel lists`,
        });
      }
    }
  });
export type Evaluator = z.infer<typeof EvaluatorSchema>;

export const TaskSchema = z.looseObject({
  id: z.string().min(1),
  instruction: z.string().min(1),
  config: z.array(StepSchema).default([]),
  evaluator: EvaluatorSchema,
  snapshot: z.string().optional(),
  related_apps: z.array(z.string()).optional(),
  proxy: z.boolean().optional(),
});
export type TaskFile = z.infer<typeof TaskSchema>;

/** `test_all.json` style: domain -> list of task ids. */
export const IndexSchema = z.record(z.string(), z.array(z.string().min(1)));

/** Formats a zod error as "field.path: message" lines, the first few only. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
      return `field ${where}: ${issue.message}`;
    })
    .join('; ');
}
