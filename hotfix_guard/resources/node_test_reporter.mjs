// hotfix-guard's reporter for node's test runner (node --test --test-reporter=THIS_FILE):
// one JSON line per finished test, so that hotfix-guard counts what ran, passed and failed.
export default async function* reporter(source) {
  for await (const event of source) {
    if (event.type === 'test:pass' || event.type === 'test:fail') {
      const data = event.data;
      yield JSON.stringify({
        passed: event.type === 'test:pass',
        name: data.name,
        file: data.file,
        nesting: data.nesting,
        skipped: Boolean(data.skip || data.todo),
        suite: Boolean(data.details && data.details.type === 'suite'),
      }) + '\n';
    }
  }
}
