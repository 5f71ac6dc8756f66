// XML-RPC answers exactly as supervisord 4.2.5 sends them: it marshals with Python's
// xmlrpc.client.dumps(..., methodresponse=True), so these were produced the same way.
#pragma once

namespace httpok::xmlrpc::samples {

// supervisor.getAllProcessInfo() with four processes, sorted by group then name: bar (FATAL),
// baz:baz_01 (STOPPED), foo (RUNNING, pid 4242) and the listener httpok (RUNNING, pid 4243).
// clang-format off
inline constexpr char kAllProcessInfo[] = R"XML(<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><struct>
<member>
<name>name</name>
<value><string>bar</string></value>
</member>
<member>
<name>group</name>
<value><string>bar</string></value>
</member>
<member>
<name>start</name>
<value><int>1700000000</int></value>
</member>
<member>
<name>stop</name>
<value><int>1700000001</int></value>
</member>
<member>
<name>now</name>
<value><int>1700000100</int></value>
</member>
<member>
<name>state</name>
<value><int>200</int></value>
</member>
<member>
<name>statename</name>
<value><string>FATAL</string></value>
</member>
<member>
<name>spawnerr</name>
<value><string>Exited too quickly (process log may have details)</string></value>
</member>
<member>
<name>exitstatus</name>
<value><int>1</int></value>
</member>
<member>
<name>logfile</name>
<value><string>/var/log/supervisor/bar-stdout.log</string></value>
</member>
<member>
<name>stdout_logfile</name>
<value><string>/var/log/supervisor/bar-stdout.log</string></value>
</member>
<member>
<name>stderr_logfile</name>
<value><string></string></value>
</member>
<member>
<name>pid</name>
<value><int>0</int></value>
</member>
<member>
<name>description</name>
<value><string>Exited too quickly (process log may have details)</string></value>
</member>
</struct></value>
<value><struct>
<member>
<name>name</name>
<value><string>baz_01</string></value>
</member>
<member>
<name>group</name>
<value><string>baz</string></value>
</member>
<member>
<name>start</name>
<value><int>1700000000</int></value>
</member>
<member>
<name>stop</name>
<value><int>1700000020</int></value>
</member>
<member>
<name>now</name>
<value><int>1700000100</int></value>
</member>
<member>
<name>state</name>
<value><int>0</int></value>
</member>
<member>
<name>statename</name>
<value><string>STOPPED</string></value>
</member>
<member>
<name>spawnerr</name>
<value><string></string></value>
</member>
<member>
<name>exitstatus</name>
<value><int>0</int></value>
</member>
<member>
<name>logfile</name>
<value><string>/var/log/supervisor/baz_01-stdout.log</string></value>
</member>
<member>
<name>stdout_logfile</name>
<value><string>/var/log/supervisor/baz_01-stdout.log</string></value>
</member>
<member>
<name>stderr_logfile</name>
<value><string></string></value>
</member>
<member>
<name>pid</name>
<value><int>0</int></value>
</member>
<member>
<name>description</name>
<value><string>Nov 14 10:13 PM</string></value>
</member>
</struct></value>
<value><struct>
<member>
<name>name</name>
<value><string>foo</string></value>
</member>
<member>
<name>group</name>
<value><string>foo</string></value>
</member>
<member>
<name>start</name>
<value><int>1700000000</int></value>
</member>
<member>
<name>stop</name>
<value><int>0</int></value>
</member>
<member>
<name>now</name>
<value><int>1700000100</int></value>
</member>
<member>
<name>state</name>
<value><int>20</int></value>
</member>
<member>
<name>statename</name>
<value><string>RUNNING</string></value>
</member>
<member>
<name>spawnerr</name>
<value><string></string></value>
</member>
<member>
<name>exitstatus</name>
<value><int>0</int></value>
</member>
<member>
<name>logfile</name>
<value><string>/var/log/supervisor/foo-stdout.log</string></value>
</member>
<member>
<name>stdout_logfile</name>
<value><string>/var/log/supervisor/foo-stdout.log</string></value>
</member>
<member>
<name>stderr_logfile</name>
<value><string></string></value>
</member>
<member>
<name>pid</name>
<value><int>4242</int></value>
</member>
<member>
<name>description</name>
<value><string>pid 4242, uptime 0:01:40</string></value>
</member>
</struct></value>
<value><struct>
<member>
<name>name</name>
<value><string>httpok</string></value>
</member>
<member>
<name>group</name>
<value><string>httpok</string></value>
</member>
<member>
<name>start</name>
<value><int>1700000000</int></value>
</member>
<member>
<name>stop</name>
<value><int>0</int></value>
</member>
<member>
<name>now</name>
<value><int>1700000100</int></value>
</member>
<member>
<name>state</name>
<value><int>20</int></value>
</member>
<member>
<name>statename</name>
<value><string>RUNNING</string></value>
</member>
<member>
<name>spawnerr</name>
<value><string></string></value>
</member>
<member>
<name>exitstatus</name>
<value><int>0</int></value>
</member>
<member>
<name>logfile</name>
<value><string>/var/log/supervisor/httpok-stdout.log</string></value>
</member>
<member>
<name>stdout_logfile</name>
<value><string>/var/log/supervisor/httpok-stdout.log</string></value>
</member>
<member>
<name>stderr_logfile</name>
<value><string></string></value>
</member>
<member>
<name>pid</name>
<value><int>4243</int></value>
</member>
<member>
<name>description</name>
<value><string>pid 4243, uptime 0:01:40</string></value>
</member>
</struct></value>
</data></array></value>
</param>
</params>
</methodResponse>
)XML";
// clang-format on

// supervisor.stopProcess('foo') when it worked.
inline constexpr char kTrue[] =
    "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
    "<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodResponse>\n";

// supervisor.stopProcess('nope').
inline constexpr char kBadNameFault[] =
    "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
    "<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n"
    "<name>faultString</name>\n<value><string>BAD_NAME: nope</string></value>\n</member>\n"
    "</struct></value>\n</fault>\n</methodResponse>\n";

// Any call while supervisord shuts down.
inline constexpr char kShutdownFault[] =
    "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
    "<name>faultCode</name>\n<value><int>6</int></value>\n</member>\n<member>\n"
    "<name>faultString</name>\n<value><string>SHUTDOWN_STATE</string></value>\n</member>\n"
    "</struct></value>\n</fault>\n</methodResponse>\n";

}  // namespace httpok::xmlrpc::samples
