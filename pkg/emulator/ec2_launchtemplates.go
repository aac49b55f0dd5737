package emulator

import (
	"cmp"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// The XML shapes of launch template responses (LaunchTemplate, LaunchTemplateVersion).

type launchTemplateXML struct {
	LaunchTemplateID     string    `xml:"launchTemplateId"`
	LaunchTemplateName   string    `xml:"launchTemplateName"`
	CreateTime           wire.Time `xml:"createTime"`
	CreatedBy            string    `xml:"createdBy"`
	DefaultVersionNumber int64     `xml:"defaultVersionNumber"`
	LatestVersionNumber  int64     `xml:"latestVersionNumber"`
	Tags                 []ec2Tag  `xml:"tagSet>item,omitempty"`
}

func (lt *launchTemplate) toXML() launchTemplateXML {
	return launchTemplateXML{
		LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, CreateTime: wire.Time(lt.Created), CreatedBy: lt.CreatedBy,
		DefaultVersionNumber: lt.DefaultVersion, LatestVersionNumber: lt.latest().Number, Tags: lt.Tags,
	}
}

type launchTemplateVersionXML struct {
	LaunchTemplateID   string             `xml:"launchTemplateId"`
	LaunchTemplateName string             `xml:"launchTemplateName"`
	VersionNumber      int64              `xml:"versionNumber"`
	VersionDescription string             `xml:"versionDescription,omitempty"`
	CreateTime         wire.Time          `xml:"createTime"`
	CreatedBy          string             `xml:"createdBy"`
	DefaultVersion     bool               `xml:"defaultVersion"`
	LaunchTemplateData launchTemplateData `xml:"launchTemplateData"`
}

func (lt *launchTemplate) versionXML(v *launchTemplateVersion) launchTemplateVersionXML {
	return launchTemplateVersionXML{
		LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, VersionNumber: v.Number, VersionDescription: v.Description,
		CreateTime: wire.Time(v.Created), CreatedBy: v.CreatedBy, DefaultVersion: v.Number == lt.DefaultVersion,
		LaunchTemplateData: v.Data.withMetadataState(),
	}
}

// Limits AWS puts on launch templates.
const (
	maxTemplateVersions    = 10000
	maxVersionsPerDelete   = 200
	maxVersionDescription  = 255
	launchTemplateIDPrefix = "lt-"
)

var launchTemplateIDPattern = regexp.MustCompile(`^lt-[0-9a-f]{8,17}$`)

// Errors for launch templates that do not exist, in AWS's words.
func templateIDNotFound(id string) *APIError {
	return senderError("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
}

func templateNameNotFound(name string) *APIError {
	return senderError("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
}

// versionNotFound is for a version number the template does not have. AWS's exact wording for
// this case is not documented; the code is.
func versionNotFound(lt *launchTemplate, v string) *APIError {
	return senderError("InvalidLaunchTemplateId.VersionNotFound", "The launch template version %s does not exist for launch template %s (%s).", v, lt.ID, lt.Name)
}

// malformedTemplateID follows EC2's wording for malformed ids (`Invalid id: "x" (expecting
// "i-...")`); AWS does not document the launch template variant's text.
func malformedTemplateID(id string) *APIError {
	return senderError("InvalidLaunchTemplateId.Malformed", "Invalid id: %q (expecting \"lt-...\")", truncate(id, 64))
}

// checkTemplateName applies AWS's rule for launch template names, with the error AWS returns on
// create.
func checkTemplateName(q wire.Args, name string) {
	if !launchTemplateName.MatchString(name) {
		q.Fail(senderError("InvalidLaunchTemplateName.MalformedException",
			"A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _."))
	}
}

// readTemplateRef reads the LaunchTemplateId / LaunchTemplateName pair that names one template.
// Exactly one is required; AWS's wording for sending both or neither is not documented.
func readTemplateRef(q wire.Args) (id, name string) {
	id, name = q.Str("LaunchTemplateId"), q.Str("LaunchTemplateName")
	switch {
	case id == "" && name == "":
		q.Fail(ec2MissingParameter("LaunchTemplateId or LaunchTemplateName"))
	case id != "" && name != "":
		q.Fail(senderError("InvalidParameterCombination", "Send either LaunchTemplateId or LaunchTemplateName, not both."))
	}
	return id, name
}

// findTemplate looks a template up by id or name, failing as AWS fails for each.
func (s *ec2State) findTemplate(id, name string) (*launchTemplate, *APIError) {
	if id != "" {
		if !launchTemplateIDPattern.MatchString(id) {
			return nil, malformedTemplateID(id)
		}
		lt, ok := s.LaunchTemplates[id]
		if !ok {
			return nil, templateIDNotFound(id)
		}
		return lt, nil
	}
	lt, ok := s.templateNames[name]
	if !ok {
		return nil, templateNameNotFound(name)
	}
	return lt, nil
}

// readTemplateTags reads TagSpecification.N for CreateLaunchTemplate: tags for the template
// itself, the only resource it creates.
func readTemplateTags(q wire.Args) []ec2Tag {
	var tags []ec2Tag
	for _, spec := range q.Members("TagSpecification") {
		if rt := spec.Str("ResourceType"); rt != "launch-template" {
			q.Fail(senderError("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", truncate(rt, 64)))
		}
		for _, t := range spec.Members("Tag") {
			tags = mergeEC2Tags(tags, []ec2Tag{{Key: t.Str("Key"), Value: t.Str("Value")}})
		}
	}
	checkEC2Tags(q, tags)
	return tags
}

func readVersionDescription(q wire.Args) string {
	d := q.Str("VersionDescription")
	if utf8.RuneCountInString(d) > maxVersionDescription {
		q.Fail(ec2InvalidValue("VersionDescription", truncate(d, 32), "It must be at most 255 characters."))
	}
	return d
}

// createdBy is the principal AWS records as a template's creator; the emulator has no IAM, so
// every request comes from the account's root.
func (e *Emulator) createdBy() string { return "arn:aws:iam::" + e.opts.AccountID + ":root" }

func (e *Emulator) createLaunchTemplate(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := q.OptStr("LaunchTemplateName")
	if name == nil {
		q.Fail(ec2MissingParameter("LaunchTemplateName"))
	} else {
		checkTemplateName(q, *name)
	}
	desc := readVersionDescription(q)
	tags := readTemplateTags(q)
	data := readLaunchTemplateData(q)
	token := q.Str("ClientToken")
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	if out, err, done := rs.ec2.replay(token, "CreateLaunchTemplate", q, now); done {
		return out, err
	}
	if _, taken := rs.ec2.templateNames[*name]; taken {
		return nil, senderError("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
	}
	lt := &launchTemplate{
		ID: launchTemplateIDPrefix + "0" + randomHex(16), Name: *name, Created: now, CreatedBy: e.createdBy(),
		DefaultVersion: 1, LastNumber: 1, Tags: tags,
		Versions: []*launchTemplateVersion{{Number: 1, Description: desc, Created: now, CreatedBy: e.createdBy(), Data: data}},
	}
	rs.ec2.LaunchTemplates[lt.ID] = lt
	rs.ec2.templateNames[lt.Name] = lt
	out := createLaunchTemplateResult{LaunchTemplate: lt.toXML()}
	rs.ec2.remember(token, "CreateLaunchTemplate", q, now, out)
	return out, nil
}

type createLaunchTemplateResult struct {
	LaunchTemplate launchTemplateXML `xml:"launchTemplate"`
}

func (e *Emulator) createLaunchTemplateVersion(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	id, name := readTemplateRef(q)
	if name != "" {
		checkTemplateName(q, name)
	}
	source := q.OptStr("SourceVersion")
	desc := readVersionDescription(q)
	data := readLaunchTemplateData(q)
	token := q.Str("ClientToken")
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	if out, err, done := rs.ec2.replay(token, "CreateLaunchTemplateVersion", q, now); done {
		return out, err
	}
	lt, err := rs.ec2.findTemplate(id, name)
	if err != nil {
		return nil, err
	}
	if source != nil {
		src, ok := lt.resolve(*source)
		if !ok || src == nil {
			return nil, versionNotFound(lt, *source)
		}
		data = inheritTemplateData(src.Data, data, q.Sub("LaunchTemplateData"))
	}
	if len(lt.Versions) >= maxTemplateVersions {
		// AWS caps versions per template; the code it answers with at the cap is not documented,
		// so this is EC2's documented code for exceeding a resource limit.
		return nil, senderError("ResourceLimitExceeded", "Launch template %s already has %d versions, the most a launch template may have. Delete versions it no longer needs (DeleteLaunchTemplateVersions).",
			lt.ID, maxTemplateVersions)
	}
	lt.LastNumber++
	v := &launchTemplateVersion{Number: lt.LastNumber, Description: desc, Created: now, CreatedBy: e.createdBy(), Data: data}
	lt.Versions = append(lt.Versions, v)
	out := createLaunchTemplateVersionResult{LaunchTemplateVersion: lt.versionXML(v)}
	rs.ec2.remember(token, "CreateLaunchTemplateVersion", q, now, out)
	return out, nil
}

type createLaunchTemplateVersionResult struct {
	LaunchTemplateVersion launchTemplateVersionXML `xml:"launchTemplateVersion"`
}

// inheritTemplateData is what SourceVersion means: the new version has the source's data except
// the top-level members the request sent, which replace the source's whole.
func inheritTemplateData(source, sent launchTemplateData, q wire.Args) launchTemplateData {
	out := source
	dst, src := reflect.ValueOf(&out).Elem(), reflect.ValueOf(sent)
	for i := range dst.NumField() {
		f := dst.Type().Field(i)
		name := f.Name
		if tag := f.Tag.Get("query"); tag != "" {
			name = tag
		}
		if q.Has(name) {
			dst.Field(i).Set(src.Field(i))
		}
	}
	return out
}

func (e *Emulator) describeLaunchTemplates(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	ids := q.List("LaunchTemplateId")
	names := q.List("LaunchTemplateName")
	filters := readEC2Filters(q, "create-time", "launch-template-name", "tag-key", "tag-value", "tag:")
	max := readMaxResults(q, 1, 200, 200)
	token := q.Str("NextToken")
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	var matched []*launchTemplate
	for _, id := range ids {
		if !launchTemplateIDPattern.MatchString(id) {
			return nil, malformedTemplateID(id)
		}
		lt, ok := rs.ec2.LaunchTemplates[id]
		if !ok {
			// AWS names no template here: one unknown id fails the whole request.
			return nil, senderError("InvalidLaunchTemplateId.NotFound", "At least one of the launch templates specified in the request does not exist.")
		}
		matched = append(matched, lt)
	}
	for _, n := range names {
		lt, ok := rs.ec2.templateNames[n]
		if !ok {
			return nil, senderError("InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist.")
		}
		matched = append(matched, lt)
	}
	if len(ids) == 0 && len(names) == 0 {
		matched = rs.ec2.sortedTemplates()
	} else {
		sortBy(matched, func(lt *launchTemplate) string { return lt.Name })
		matched = slices.CompactFunc(matched, func(a, b *launchTemplate) bool { return a == b })
	}
	matched = slices.DeleteFunc(matched, func(lt *launchTemplate) bool { return !templateMatches(lt, filters) })
	page, next, err := ec2Page(matched, func(lt *launchTemplate) string { return lt.Name }, token, max)
	if err != nil {
		return nil, err
	}
	out := describeLaunchTemplatesResult{LaunchTemplates: wire.ItemSet[launchTemplateXML]{}, NextToken: next}
	for _, lt := range page {
		out.LaunchTemplates = append(out.LaunchTemplates, lt.toXML())
	}
	return out, nil
}

type describeLaunchTemplatesResult struct {
	LaunchTemplates wire.ItemSet[launchTemplateXML] `xml:"launchTemplates"`
	NextToken       string                          `xml:"nextToken,omitempty"`
}

// templateMatches applies DescribeLaunchTemplates' filters: all must match, any value of each.
func templateMatches(lt *launchTemplate, filters []filter) bool {
	for _, f := range filters {
		ok, handled := tagsMatch(lt.Tags, f)
		if !handled {
			switch f.name {
			case "launch-template-name":
				ok = matchesAny(f.values, lt.Name)
			case "create-time":
				ok = matchesAny(f.values, wireTime(lt.Created))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// wireTime is a timestamp as EC2 writes it, which is what create-time filters match against.
func wireTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (e *Emulator) describeLaunchTemplateVersions(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	id, name := q.Str("LaunchTemplateId"), q.Str("LaunchTemplateName")
	versions := q.List("LaunchTemplateVersion")
	lo, hi := readVersionBound(q, "MinVersion", 1), readVersionBound(q, "MaxVersion", 1<<62)
	filters := readEC2Filters(q, "create-time", "ebs-optimized", "iam-instance-profile", "image-id", "instance-type", "is-default-version", "kernel-id", "ram-disk-id")
	max := readMaxResults(q, 1, 200, 200)
	token := q.Str("NextToken")
	if id != "" && name != "" {
		q.Fail(senderError("InvalidParameterCombination", "Send either LaunchTemplateId or LaunchTemplateName, not both."))
	}
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	templates, err := rs.ec2.templatesToDescribe(id, name, versions)
	if err != nil {
		return nil, err
	}
	var all []templateVersion
	for _, lt := range templates {
		picked, err := pickVersions(lt, versions)
		if err != nil {
			return nil, err
		}
		for _, v := range picked {
			if v.Number >= lo && v.Number <= hi && versionMatches(lt, v, filters) {
				all = append(all, templateVersion{lt, v})
			}
		}
	}
	// The page token is the template name and a zero-padded inverted number, so it sorts as listed.
	key := func(f templateVersion) string { return fmt.Sprintf("%s\x00%019d", f.lt.Name, 1<<62-f.v.Number) }
	page, next, err := ec2Page(all, key, token, max)
	if err != nil {
		return nil, err
	}
	out := describeLaunchTemplateVersionsResult{LaunchTemplateVersions: wire.ItemSet[launchTemplateVersionXML]{}, NextToken: next}
	for _, f := range page {
		out.LaunchTemplateVersions = append(out.LaunchTemplateVersions, f.lt.versionXML(f.v))
	}
	return out, nil
}

type templateVersion struct {
	lt *launchTemplate
	v  *launchTemplateVersion
}

// readVersionBound reads MinVersion or MaxVersion, a version number sent as a string.
func readVersionBound(q wire.Args, param string, def int64) int64 {
	s := q.OptStr(param)
	if s == nil {
		return def
	}
	n, ok := parseVersionNumber(*s)
	if !ok {
		q.Fail(ec2InvalidValue(param, *s, "It must be a launch template version number."))
	}
	return n
}

// templatesToDescribe is the template DescribeLaunchTemplateVersions names or, when it names
// none, every template: AWS then describes their $Latest or $Default versions, and nothing else.
func (s *ec2State) templatesToDescribe(id, name string, versions []string) ([]*launchTemplate, *APIError) {
	if id != "" || name != "" {
		lt, err := s.findTemplate(id, name)
		if err != nil {
			return nil, err
		}
		return []*launchTemplate{lt}, nil
	}
	if len(versions) == 0 || slices.ContainsFunc(versions, func(v string) bool { return v != versionLatest && v != versionDefault }) {
		return nil, ec2MissingParameter("LaunchTemplateId or LaunchTemplateName (only $Latest and $Default can be described across all templates)")
	}
	return s.sortedTemplates(), nil
}

// pickVersions resolves the versions asked for (all when none are), newest first as AWS lists them.
func pickVersions(lt *launchTemplate, versions []string) ([]*launchTemplateVersion, *APIError) {
	var picked []*launchTemplateVersion
	if len(versions) == 0 {
		picked = slices.Clone(lt.Versions)
	}
	for _, s := range versions {
		v, ok := lt.resolve(s)
		if !ok {
			return nil, ec2InvalidValue("LaunchTemplateVersion", s, "A version is a version number, $Latest or $Default.")
		}
		if v == nil {
			return nil, versionNotFound(lt, s)
		}
		if !slices.Contains(picked, v) {
			picked = append(picked, v)
		}
	}
	slices.SortFunc(picked, func(a, b *launchTemplateVersion) int { return cmp.Compare(b.Number, a.Number) })
	return picked, nil
}

type describeLaunchTemplateVersionsResult struct {
	LaunchTemplateVersions wire.ItemSet[launchTemplateVersionXML] `xml:"launchTemplateVersionSet"`
	NextToken              string                                 `xml:"nextToken,omitempty"`
}

// versionMatches applies DescribeLaunchTemplateVersions' filters.
func versionMatches(lt *launchTemplate, v *launchTemplateVersion, filters []filter) bool {
	d := v.Data
	for _, f := range filters {
		var ok bool
		switch f.name {
		case "create-time":
			ok = matchesAny(f.values, wireTime(v.Created))
		case "ebs-optimized":
			ok = matchesAny(f.values, strconv.FormatBool(d.EbsOptimized != nil && *d.EbsOptimized))
		case "iam-instance-profile":
			ok = d.IamInstanceProfile != nil && (matchesAny(f.values, d.IamInstanceProfile.Arn) || matchesAny(f.values, d.IamInstanceProfile.Name))
		case "image-id":
			ok = matchesAny(f.values, d.ImageID)
		case "instance-type":
			ok = matchesAny(f.values, d.InstanceType)
		case "is-default-version":
			ok = matchesAny(f.values, strconv.FormatBool(v.Number == lt.DefaultVersion))
		case "kernel-id":
			ok = matchesAny(f.values, d.KernelID)
		case "ram-disk-id":
			ok = matchesAny(f.values, d.RAMDiskID)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (e *Emulator) modifyLaunchTemplate(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	id, name := readTemplateRef(q)
	def := q.OptStr("SetDefaultVersion")
	token := q.Str("ClientToken")
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	if out, err, done := rs.ec2.replay(token, "ModifyLaunchTemplate", q, now); done {
		return out, err
	}
	lt, err := rs.ec2.findTemplate(id, name)
	if err != nil {
		return nil, err
	}
	if def != nil {
		v, ok := lt.resolve(*def)
		if !ok || v == nil {
			return nil, versionNotFound(lt, *def)
		}
		lt.DefaultVersion = v.Number
	}
	out := createLaunchTemplateResult{LaunchTemplate: lt.toXML()}
	rs.ec2.remember(token, "ModifyLaunchTemplate", q, now, out)
	return out, nil
}

// deleteLaunchTemplate deletes a template and all its versions. AWS allows it while groups use
// the template; their next launches fail.
func (e *Emulator) deleteLaunchTemplate(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	id, name := readTemplateRef(q)
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	lt, err := rs.ec2.findTemplate(id, name)
	if err != nil {
		return nil, err
	}
	delete(rs.ec2.LaunchTemplates, lt.ID)
	delete(rs.ec2.templateNames, lt.Name)
	return createLaunchTemplateResult{LaunchTemplate: lt.toXML()}, nil
}

type deletedVersionXML struct {
	LaunchTemplateID   string `xml:"launchTemplateId,omitempty"`
	LaunchTemplateName string `xml:"launchTemplateName,omitempty"`
	VersionNumber      int64  `xml:"versionNumber,omitempty"`
	ResponseError      *struct {
		Code    string `xml:"code"`
		Message string `xml:"message"`
	} `xml:"responseError,omitempty"`
}

type deleteLaunchTemplateVersionsResult struct {
	Deleted    []deletedVersionXML `xml:"successfullyDeletedLaunchTemplateVersionSet>item,omitempty"`
	NotDeleted []deletedVersionXML `xml:"unsuccessfullyDeletedLaunchTemplateVersionSet>item,omitempty"`
}

// deleteLaunchTemplateVersions deletes versions one by one and reports each: the request succeeds
// even when no version could be deleted, with a ResponseError per failure in AWS's codes.
func (e *Emulator) deleteLaunchTemplateVersions(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	id, name := readTemplateRef(q)
	versions := q.List("LaunchTemplateVersion")
	switch {
	case len(versions) == 0:
		q.Fail(ec2MissingParameter("LaunchTemplateVersion"))
	case len(versions) > maxVersionsPerDelete:
		q.Fail(ec2InvalidValue("LaunchTemplateVersion", len(versions), "You can delete up to 200 launch template versions in one request; use DeleteLaunchTemplate to delete them all."))
	}
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	var out deleteLaunchTemplateVersionsResult
	fail := func(n int64, code, format string, a ...any) {
		x := deletedVersionXML{LaunchTemplateID: id, LaunchTemplateName: name, VersionNumber: n}
		x.ResponseError = &struct {
			Code    string `xml:"code"`
			Message string `xml:"message"`
		}{code, senderError(code, format, a...).Message}
		out.NotDeleted = append(out.NotDeleted, x)
	}
	lt, err := rs.ec2.findTemplate(id, name)
	for _, s := range versions {
		n, numeric := parseVersionNumber(s)
		switch {
		case name != "" && !launchTemplateName.MatchString(name):
			fail(n, "launchTemplateNameMalformed", "The launch template name %s is not valid.", truncate(name, 128))
		case err != nil && err.Code == "InvalidLaunchTemplateId.Malformed":
			fail(n, "launchTemplateIdMalformed", "%s", err.Message)
		case err != nil && id != "":
			fail(n, "launchTemplateIdDoesNotExist", "%s", err.Message)
		case err != nil:
			fail(n, "launchTemplateNameDoesNotExist", "%s", err.Message)
		case !numeric || lt.version(n) == nil:
			fail(n, "launchTemplateVersionDoesNotExist", "%s", versionNotFound(lt, s).Message)
		case n == lt.DefaultVersion:
			// AWS refuses; its message for this case is not documented.
			fail(n, "unexpectedError", "Version %d is the default version of launch template %s and cannot be deleted: make another version the default (ModifyLaunchTemplate) or delete the template (DeleteLaunchTemplate).", n, lt.ID)
		default:
			lt.Versions = slices.DeleteFunc(lt.Versions, func(v *launchTemplateVersion) bool { return v.Number == n })
			out.Deleted = append(out.Deleted, deletedVersionXML{LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, VersionNumber: n})
		}
	}
	if lt != nil {
		for i := range out.NotDeleted {
			out.NotDeleted[i].LaunchTemplateID, out.NotDeleted[i].LaunchTemplateName = lt.ID, lt.Name
		}
	}
	return out, nil
}
