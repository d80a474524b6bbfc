import type { CfnTemplate } from "./synthesizedStack.js";

interface Statement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// Batch calls are authorised as their single-message action:
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
const IAM_ACTION_OF_BATCH: Record<string, string> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

/** The IAM action an API call needs: `sqs:SendMessage` for SendMessageBatch. */
export function iamActionOf(service: "sqs" | "secretsmanager" | "lambda", apiAction: string): string {
  return `${service}:${IAM_ACTION_OF_BATCH[apiAction] ?? apiAction}`;
}

/** Every statement of the policies attached to a role in the template (CDK puts grants in AWS::IAM::Policy). */
export function roleStatements(template: CfnTemplate, roleId: string): Statement[] {
  const roleReferenced = (roles: unknown) => asList(roles).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }));
  const attached = Object.values(template.Resources).filter((resource) => resource.Type === "AWS::IAM::Policy" && roleReferenced(resource.Properties.Roles));
  const inline = asList((template.Resources[roleId]?.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ?? []);
  return [
    ...attached.flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
    ...inline.flatMap((policy) => policy.PolicyDocument.Statement),
  ];
}

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

/**
 * Whether the statements allow `action` on `resource`, a template expression such as
 * `{"Fn::GetAtt": [queueId, "Arn"]}` or `{"Ref": secretId}`. An explicit Deny wins, as in IAM.
 */
export function isAllowed(statements: Statement[], action: string, resource: unknown): boolean {
  const matches = (statement: Statement) =>
    asList(statement.Action).some((pattern) => wildcard(pattern).test(action)) &&
    asList(statement.Resource).some((allowed) => allowed === "*" || JSON.stringify(allowed) === JSON.stringify(resource));
  const applicable = statements.filter(matches);
  return applicable.some((statement) => statement.Effect === "Allow") && !applicable.some((statement) => statement.Effect === "Deny");
}

/** The pseudo parameters of the account the deployed-bundle test stands for. */
export const TEST_ACCOUNT = { partition: "aws", region: "us-east-1", accountId: "000000000000" } as const;

/** A template string expression (a literal, or Fn::Join of literals and pseudo parameters) as the string it resolves to. */
function resolvedString(expression: unknown): string | undefined {
  if (typeof expression === "string") return expression;
  const join = (expression as { "Fn::Join"?: [string, unknown[]] } | null)?.["Fn::Join"];
  if (!join) return undefined;
  const pseudo: Record<string, string> = {
    "AWS::Partition": TEST_ACCOUNT.partition,
    "AWS::Region": TEST_ACCOUNT.region,
    "AWS::AccountId": TEST_ACCOUNT.accountId,
  };
  const parts = join[1].map((part) => (typeof part === "string" ? part : pseudo[(part as { Ref?: string }).Ref ?? ""]));
  return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
}

/**
 * Whether the statements allow `action` on the resource named by `arn`, with the request's condition keys
 * `conditionValues` (template expressions, e.g. lambda:FunctionArn → the function's Fn::GetAtt). Resources
 * are matched as IAM does (wildcards), conditions support StringEquals only: any other operator does not match.
 */
export function isAllowedOnArn(statements: Statement[], action: string, arn: string, conditionValues: Record<string, unknown> = {}): boolean {
  const conditionsHold = (statement: Statement) =>
    Object.entries(statement.Condition ?? {}).every(
      ([operator, keys]) =>
        operator === "StringEquals" && Object.entries(keys).every(([key, value]) => JSON.stringify(value) === JSON.stringify(conditionValues[key])),
    );
  const matches = (statement: Statement) =>
    asList(statement.Action).some((pattern) => wildcard(pattern).test(action)) &&
    asList(statement.Resource).some((allowed) => {
      const pattern = resolvedString(allowed);
      return pattern !== undefined && wildcard(pattern).test(arn);
    }) &&
    conditionsHold(statement);
  const applicable = statements.filter(matches);
  return applicable.some((statement) => statement.Effect === "Allow") && !applicable.some((statement) => statement.Effect === "Deny");
}
