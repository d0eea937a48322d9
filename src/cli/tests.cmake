# CTest tests of the openai-images tool (label cli): the usage texts, usage
# errors (exit status 2, the flag named), and real batches against the fake
# server over TLS on 127.0.0.1.

# src/cli is added before the top level calls enable_testing(); without this
# line the tests of this directory would not reach ctest.
enable_testing()

set(cli_check ${CMAKE_CURRENT_SOURCE_DIR}/check_run.cmake)

# openai_images_cli_check(NAME name ARGS "a|b" RC n MATCH "re1|re2" [NO_MATCH re])
function(openai_images_cli_check)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;ARGS;RC;MATCH;NO_MATCH" "")
  add_test(NAME cli.${arg_NAME}
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:openai_images_cli> "-DARGS=${arg_ARGS}"
                   -DEXPECT_RC=${arg_RC} "-DMATCH=${arg_MATCH}" "-DNO_MATCH=${arg_NO_MATCH}"
                   -P ${cli_check})
  set_tests_properties(cli.${arg_NAME} PROPERTIES LABELS cli TIMEOUT 60)
endfunction()

openai_images_cli_check(NAME help ARGS "--help" RC 0
  MATCH "generate|edit|variation|batch|--prompts|--concurrency|--response-format|b64_json")
openai_images_cli_check(NAME help_subcommand ARGS "batch|--help" RC 0
  MATCH "usage: openai-images batch|--prompts|--jsonl|--out|--overwrite|--quality|gpt-image-1.5|manifest")
openai_images_cli_check(NAME help_variation ARGS "variation|-h" RC 0
  MATCH "--image|--size" NO_MATCH "--prompt ")
openai_images_cli_check(NAME no_arguments ARGS "" RC 2 MATCH "missing subcommand")
openai_images_cli_check(NAME unknown_subcommand ARGS "frobnicate" RC 2
  MATCH "frobnicate|generate, edit, variation or batch")
openai_images_cli_check(NAME unknown_flag ARGS "generate|--prompt|x|--bogus" RC 2
  MATCH "'--bogus'|generate --help")
openai_images_cli_check(NAME missing_value ARGS "generate|--prompt" RC 2
  MATCH "--prompt needs a value")
openai_images_cli_check(NAME not_a_number ARGS "generate|--prompt|x|--n|abc" RC 2
  MATCH "--n: 'abc' is not an integer")
openai_images_cli_check(NAME bad_choice ARGS "generate|--prompt|x|--quality|ultra" RC 2
  MATCH "--quality|standard, hd, low, medium, high, auto")
openai_images_cli_check(NAME flag_of_other_subcommand ARGS "variation|--image|a.png|--prompt|x"
  RC 2 MATCH "--prompt is not a flag of variation")
openai_images_cli_check(NAME missing_prompts ARGS "batch" RC 2 MATCH "--prompts FILE")

# Batches against fake-openai-server over TLS on 127.0.0.1 (never any other host).
find_program(OPENAI_IMAGES_BASH bash)
if(OPENAI_IMAGES_BASH)
  add_test(NAME cli.batch_fake_server
           COMMAND ${OPENAI_IMAGES_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/fake_server_test.sh
                   $<TARGET_FILE:openai_images_cli> $<TARGET_FILE:fake-openai-server>
                   ${CMAKE_CURRENT_BINARY_DIR}/fake-server-test)
  set_tests_properties(cli.batch_fake_server PROPERTIES LABELS cli TIMEOUT 180)
endif()

# generate and edit --stream: partial images saved as they arrive, a reset
# mid-stream, and the refusals before sending.
if(OPENAI_IMAGES_BASH)
  add_test(NAME cli.stream_fake_server
           COMMAND ${OPENAI_IMAGES_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/stream_test.sh
                   $<TARGET_FILE:openai_images_cli> $<TARGET_FILE:fake-openai-server>
                   ${CMAKE_CURRENT_BINARY_DIR}/stream-test)
  set_tests_properties(cli.stream_fake_server PROPERTIES LABELS cli TIMEOUT 120
                       PASS_REGULAR_EXPRESSION "cli stream test ok")
endif()

# The flags of streaming belong to generate and edit, and --partial-images
# only means something with --stream.
openai_images_cli_check(NAME stream_not_for_batch ARGS "batch|--prompts|p.txt|--stream" RC 2
  MATCH "--stream is not a flag of batch [(]it is a flag of generate, edit[)]")
openai_images_cli_check(NAME stream_not_for_variation ARGS "variation|--image|a.png|--stream" RC 2
  MATCH "--stream is not a flag of variation")
openai_images_cli_check(NAME partial_images_without_stream
  ARGS "generate|--prompt|x|--partial-images|2" RC 2
  MATCH "--partial-images applies only with --stream")

# kill -9 in the middle of a batch at several points, then the same command:
# nothing saved is lost or broken, and no line already done is sent again.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME cli.kill_and_resume
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/kill_test.py
                   $<TARGET_FILE:openai_images_cli> $<TARGET_FILE:fake-openai-server>
                   ${CMAKE_CURRENT_BINARY_DIR}/kill-test)
  set_tests_properties(cli.kill_and_resume PROPERTIES LABELS cli TIMEOUT 300
                       PASS_REGULAR_EXPRESSION "kill test ok")
endif()

# batch --via batch-api: a kill -9 between submit and collect then the same
# command (nothing uploaded, created or saved twice), --no-wait and --cancel.
if(Python3_Interpreter_FOUND)
  add_test(NAME cli.batch_api_fake_server
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/batch_api_test.py
                   $<TARGET_FILE:openai_images_cli> $<TARGET_FILE:fake-openai-server>
                   ${CMAKE_CURRENT_BINARY_DIR}/batch-api-test)
  set_tests_properties(cli.batch_api_fake_server PROPERTIES LABELS cli TIMEOUT 300
                       PASS_REGULAR_EXPRESSION "cli batch api test ok")
endif()
openai_images_cli_check(NAME no_wait_needs_batch_api ARGS "batch|--prompts|p.txt|--no-wait" RC 2
  MATCH "--no-wait applies only with --via batch-api")
openai_images_cli_check(NAME via_bad_value ARGS "batch|--prompts|p.txt|--via|carrier-pigeon" RC 2
  MATCH "--via: 'carrier-pigeon' is not one of sync, batch-api")

# What the help says of the model, the output folder and the exit status.
openai_images_cli_check(NAME help_model_and_resume ARGS "generate|--help" RC 0
  MATCH "without --model the server chooses the model|dall-e-3 on 2026-05-12|--overwrite|OPENAI_IMAGES_CA_FILE|SSL_CERT_FILE|130 interrupted|2 bad usage, or refused before sending")

# A CA file that cannot be used: exit 2 before anything is sent, the flag named
# (not the library's option name, nor an error category and number).
openai_images_cli_check(NAME ca_file_missing
  ARGS "generate|--prompt|x|--model|gpt-image-1|--base-url|https://127.0.0.1:9/v1|--api-key|k|--out|ca-file-test-out|--ca-file|/nonexistent/ca.pem"
  RC 2 MATCH "--ca-file '/nonexistent/ca.pem' cannot be opened: No such file or directory"
  NO_MATCH "tls[.]ca_file|openai[.]images[.]client|summary")
openai_images_cli_check(NAME ca_file_not_pem
  ARGS "generate|--prompt|x|--model|gpt-image-1|--base-url|https://127.0.0.1:9/v1|--api-key|k|--out|ca-file-test-out|--ca-file|${CMAKE_CURRENT_SOURCE_DIR}/main.cpp"
  RC 2 MATCH "--ca-file '.*main.cpp': no PEM certificate found" NO_MATCH "tls[.]ca_file|openai[.]images[.]client|summary")
