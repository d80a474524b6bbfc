import type { CfnTemplate } from "./synthesizedStack.js";

interface Statement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: unknown;
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
export function iamActionOf(service: "sqs" | "secretsmanager", apiAction: string): string {
  return `${service}:${IAM_ACTION_OF_BATCH[apiAction] ?? apiAction}`;
}

/** Every statement of the policies attached to a role in the template (CDK puts grants in AWS::IAM::Policy). */
export function roleStatements(template: CfnTemplate, roleId: string): Statement[] {
  const roleReferenced = (roles: unknown) => asList(roles).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }));
  const attached = Object.values(template.Resources).filter(
    (resource) => resource.Type === "AWS::IAM::Policy" && roleReferenced(resource.Properties.Roles),
  );
  const inline = asList((template.Resources[roleId]?.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ?? []);
  return [
    ...attached.flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
    ...inline.flatMap((policy) => policy.PolicyDocument.Statement),
  ];
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

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
