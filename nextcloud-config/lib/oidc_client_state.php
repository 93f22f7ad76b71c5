<?php
// Reads `occ oidc:list` (JSON, secrets included) on stdin and prints the state of the MCP server's own
// client: "missing", "same" or "changed" (secret, type or resource URL differ from the environment).
// The wanted values come from the environment, so no secret is ever on a command line or printed.
$in = stream_get_contents(STDIN);
$start = strpos($in, '[');
$clients = $start === false ? null : json_decode(substr($in, $start), true);
if (!is_array($clients)) {
	fwrite(STDERR, "oidc_client_state: `occ oidc:list` did not print a JSON list\n");
	exit(2);
}
$id = (string)getenv('MCP_OIDC_CLIENT_ID');
foreach ($clients as $client) {
	if (($client['client_id'] ?? null) !== $id) {
		continue;
	}
	$same = hash_equals((string)($client['client_secret'] ?? ''), (string)getenv('MCP_OIDC_CLIENT_SECRET'))
		&& ($client['type'] ?? '') === 'confidential'
		&& ($client['resource_url'] ?? '') === (string)getenv('MCP_PUBLIC_URL');
	echo $same ? "same\n" : "changed\n";
	exit(0);
}
echo "missing\n";
