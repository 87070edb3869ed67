// Placeholder for root scripts whose issue has not landed yet; says so plainly.
const what = process.argv[2] ?? 'this command';
console.log(`npm run ${what}: not yet available (its issue is still open; see the README's status section).`);
