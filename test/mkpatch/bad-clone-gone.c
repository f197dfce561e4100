/* Fails: the target has only scale_by.constprop.0, no scale_by to replace. */
int scale_by(int x, int k)
{
	return x * k;
}
