// The draft policy, YAML or JSON, with every problem the service's validator finds, each with its path, as the admin
// types.
import { Alert, Button, Flex, LoadingSpinner, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, TextArea } from '@hubspot/ui-extensions';
import { plural, shortHash } from '../../format.js';
import type { Validation } from './use-validation.js';

/** The service's limit on a policy's text. */
const MAX_SOURCE = 200_000;

export function PolicyEditor({ draft, onChange, validation }: { draft: string; onChange: (text: string) => void; validation: Validation }) {
  return (
    <Flex direction="column" gap="sm">
      <TextArea
        testId="policy-draft"
        label="Draft policy (YAML or JSON)"
        name="policy-draft"
        description="Starts from the active version. Each problem shows with its path as you type; nothing changes until you save and activate."
        value={draft}
        onChange={onChange}
        rows={18}
        resize="vertical"
        maxLength={MAX_SOURCE}
        error={validation.status === 'checked' && !validation.answer.valid}
      />
      <ValidationStatus validation={validation} />
    </Flex>
  );
}

function ValidationStatus({ validation }: { validation: Validation }) {
  switch (validation.status) {
    case 'empty':
      return <Text testId="validation-empty" variant="microcopy">Write or paste a policy to check it.</Text>;
    case 'checking':
      return <LoadingSpinner testId="validation-checking" label="Checking the draft" showLabel size="xs" />;
    case 'failed':
      return (
        <Alert testId="validation-failed" title="Couldn't check the draft" variant="warning">
          <Text>{validation.error.message}</Text>
          <Button testId="validation-retry" size="xs" onClick={validation.retry}>Check again</Button>
        </Alert>
      );
    case 'checked': {
      const { answer } = validation;
      if (answer.valid) {
        return (
          <Flex testId="validation-valid" direction="row" gap="xs" align="center">
            <StatusTag variant="success">Valid</StatusTag>
            <Text>{`${answer.name ?? 'Unnamed policy'} · hash ${shortHash(answer.hash ?? '')}`}</Text>
          </Flex>
        );
      }
      return (
        <Alert testId="validation-problems" title={`The draft has ${plural(answer.problems.length, 'problem')}`} variant="danger">
          <Table testId="problem-table" bordered={false} flush>
            <TableHead>
              <TableRow>
                <TableHeader>Where</TableHeader>
                <TableHeader>Problem</TableHeader>
              </TableRow>
            </TableHead>
            <TableBody>
              {answer.problems.map((problem) => (
                <TableRow key={`${problem.path}:${problem.message}`}>
                  <TableCell>{problem.path === '' ? '(the whole document)' : problem.path}</TableCell>
                  <TableCell>{problem.message}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Alert>
      );
    }
  }
}
