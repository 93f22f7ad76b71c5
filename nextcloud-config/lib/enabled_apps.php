<?php
// Reads `occ app:list --output=json` on stdin and prints the ids of the enabled apps, space-separated.
$in = stream_get_contents(STDIN);
$start = strpos($in, '{');
$apps = $start === false ? null : json_decode(substr($in, $start), true);
if (!is_array($apps) || !isset($apps['enabled'])) {
	fwrite(STDERR, "enabled_apps: `occ app:list --output=json` did not print the expected JSON\n");
	exit(2);
}
echo implode(' ', array_keys($apps['enabled'])), "\n";
