// Package wire holds the emulator's AWS wire codecs: stateless translations between HTTP requests
// and responses and Go values, one per protocol the emulated services speak.
//
//   - awsQuery (Auto Scaling, CloudWatch): form-encoded requests read through Args (lists as
//     Name.member.N), XML responses <ActionResponse><ActionResult>… written by WriteQueryResult,
//     errors as <ErrorResponse><Error>… written by WriteQueryError.
//   - ec2Query (EC2): the same form encoding with lists as Name.N (EC2Args), XML responses with no
//     Result wrapper and lists as <fooSet><item>… (WriteEC2Result, ItemSet), errors as
//     <Response><Errors><Error>… (WriteEC2Error).
//   - AWS JSON 1.0 and Smithy RPCv2 CBOR (CloudWatch): bodies decode to a small tree of Go values
//     (DecodeJSON, DecodeCBOR) that FromTree copies into a shape; ToTree turns a shape back into a
//     tree the encoders write (WriteJSON, WriteCBOR, WriteTreeError).
//
// Everything here is a pure function of its input, which is what makes it worth fuzzing on its
// own; what the requests mean (state, validation, the simulation) is package emulator's business.
// Error is the one error type every writer serializes.
package wire
